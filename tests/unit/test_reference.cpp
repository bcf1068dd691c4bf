// Reference mode against the published code (github DeepInMotion/AutoCP): parameter counts of the
// paper's search space and the multi-scale graph layer's forward, from fixtures that the
// reference itself computed (tests/fixtures/make_reference.py).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "data/layout.hpp"
#include "io/job.hpp"
#include "model/arch.hpp"
#include "model/graph.hpp"
#include "model/graph_layer.hpp"
#include "model/profile.hpp"
#include "model/student.hpp"
#include "plugin/loader.hpp"
#include "small_student.hpp"

using namespace cpnas;

namespace {

nlohmann::json fixture(const std::string& name) {
  std::ifstream in(std::string(CPNAS_SOURCE_DIR) + "/tests/fixtures/" + name);
  return nlohmann::json::parse(in);
}

// The fixture's architecture through the job schema and arch_from_job, as a job file gives it.
Arch reference_arch(const nlohmann::json& arch) {
  std::vector<std::string> overrides{"--arch.main_stream=reference"};
  for (const auto& [key, value] : arch.items()) {
    overrides.push_back("--arch." + key + "=" +
                        (value.is_string() ? value.get<std::string>() : value.dump()));
  }
  return arch_from_job(Job::load("", overrides));
}

torch::Tensor tensor_of(const nlohmann::json& t) {
  const auto values = t.at("values").get<std::vector<float>>();
  return torch::tensor(values).view(t.at("shape").get<std::vector<int64_t>>());
}

}  // namespace

TEST(Reference, ParameterCountsEqualThePublishedBuilderAcrossThePaperSpace) {
  const Skeleton& skeleton = find_layout("in-motion-2022");
  const auto rows = fixture("reference_archs.json");
  ASSERT_GE(rows.size(), 30u + 30u);  // at least 30 random draws besides the corner cases
  int multi = 0, strided_single = 0;
  std::set<std::string> blocks, attentions;
  for (const auto& row : rows) {
    const Arch arch = reference_arch(row.at("arch"));
    multi += arch.multi_gcn;
    strided_single += arch.main.depth == 1 && arch.main.stride > 1;
    blocks.insert(arch.block);
    attentions.insert(arch.attention);
    Student student = build_student(arch, skeleton, 4, builtin_plugins(), 1);
    const ParameterCount count = count_parameters(*student);
    EXPECT_EQ(count.params, row.at("params").get<int64_t>()) << row.at("arch").dump();
    EXPECT_EQ(count.params_paper, row.at("params_paper").get<int64_t>()) << row.at("arch").dump();
  }
  // The fixture covers what differed before: multi-scale layers and a single strided main layer.
  EXPECT_GE(multi, 10);
  EXPECT_GE(strided_single, 4);
  EXPECT_EQ(blocks.size(), 6u);
  EXPECT_EQ(attentions.size(), 5u);
}

TEST(Reference, ReferenceMainStreamRunsWithASingleStridedLayer) {
  const Skeleton& skeleton = find_layout("in-motion-2022");
  Arch arch = reference_arch(fixture("reference_archs.json").at(0).at("arch"));
  arch.main.depth = 1;
  arch.main.stride = 3;
  arch.input.stride = 1;
  Student student = build_student(arch, skeleton, 4, builtin_plugins(), 1);
  std::vector<int64_t> frames;
  student->eval();
  torch::NoGradGuard no_grad;
  const auto y = student->forward(torch::randn({2, 4, 4, 150, 29}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 2}));
  const ModelProfile p = profile_student(*student, 29);
  for (const auto& layer : p.layers) {
    if (layer.name == "main0.temporal0") frames.push_back(layer.output_shape.at(2));
    if (layer.name == "main1.temporal0") frames.push_back(layer.output_shape.at(2));
  }
  EXPECT_EQ(frames, (std::vector<int64_t>{50, 17}));  // 150 / 3, then ceil(50 / 3)
}

TEST(Reference, MultiScaleGraphLayerComputesThePublishedForward) {
  const auto f = fixture("multi_scale_unit.json");
  const Skeleton& skeleton = find_layout("in-motion-2022");
  const auto params = f.at("parameters");
  // The reference's adjacency is the one cpnas builds.
  EXPECT_TRUE(torch::allclose(tensor_of(params.at("A")), distance_adjacency(skeleton), 1e-6, 1e-7));
  MultiScaleGraphLayer layer(GraphLayerOptions{f.at("in_channels"), f.at("out_channels"), 1,
                                               parse_activation(f.at("activation")),
                                               distance_adjacency(skeleton)});
  std::map<std::string, std::string> names{
      {"conv1", "query"}, {"conv2", "key"}, {"conv3", "value"}, {"conv4", "refine"}};
  auto ours = [](const std::string& reference, const std::map<std::string, std::string>& names) {
    // conv.K.convN.weight -> unitK_<name>.weight; conv.K.alpha -> unitK_alpha;
    // residual.0 / residual.1 -> residual.conv / residual.bn.
    if (reference.rfind("conv.", 0) == 0) {
      const auto dot = reference.find('.', 5);
      const std::string unit = "unit" + reference.substr(5, dot - 5) + "_";
      const std::string rest = reference.substr(dot + 1);
      if (rest == "alpha") return unit + "alpha";
      const auto dot2 = rest.find('.');
      return unit + names.at(rest.substr(0, dot2)) + rest.substr(dot2);
    }
    if (reference.rfind("residual.0.", 0) == 0) return "residual.conv." + reference.substr(11);
    if (reference.rfind("residual.1.", 0) == 0) return "residual.bn." + reference.substr(11);
    return reference;
  };
  {
    torch::NoGradGuard no_grad;
    auto mine = layer->named_parameters();
    auto buffers = layer->named_buffers();
    int copied = 0;
    for (const auto& [name, value] : params.items()) {
      if (name == "A") continue;
      const auto* target = mine.find(ours(name, names));
      ASSERT_NE(target, nullptr) << name;
      target->copy_(tensor_of(value));
      ++copied;
    }
    for (const auto& [name, value] : f.at("buffers").items()) {
      const auto* target = buffers.find(ours(name, names));
      ASSERT_NE(target, nullptr) << name;
      target->copy_(tensor_of(value));
      ++copied;
    }
    EXPECT_EQ(copied, static_cast<int>(mine.size() + buffers.size()) - 3);  // adjacency, 2 counts
  }
  // Evaluation first, as the fixture was made: training updates the running statistics.
  const auto x = tensor_of(f.at("input"));
  layer->eval();
  const auto expected = tensor_of(f.at("output_eval"));
  EXPECT_TRUE(torch::allclose(layer->forward(x), expected, 1e-4, 1e-5));
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(layer->forward(x), expected, 1e-4, 1e-5));
    EXPECT_TRUE(torch::allclose(layer->forward(x.contiguous(torch::MemoryFormat::ChannelsLast)),
                                expected, 1e-4, 1e-5));
  }
  layer->train();
  EXPECT_TRUE(torch::allclose(layer->forward(x), tensor_of(f.at("output_train")), 1e-4, 1e-5));
}
