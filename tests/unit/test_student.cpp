#include <gtest/gtest.h>

#include <set>

#include "data/layout.hpp"
#include "io/error.hpp"
#include "model/precision.hpp"
#include "model/profile.hpp"
#include "model/student.hpp"
#include "plugin/loader.hpp"
#include "small_student.hpp"

using namespace cpnas;

TEST(Student, PaperBestMatchesThePublishedSize) {
  const Job job = Job::load(std::string(CPNAS_SOURCE_DIR) + "/jobs/paper-best.ini");
  Student student = student_from_job(job, builtin_plugins(), 1);
  const ModelProfile p = profile_student(*student, 29);
  EXPECT_EQ(p.params, 644732);
  EXPECT_EQ(p.params_paper, 621184);
  EXPECT_NEAR(static_cast<double>(p.macs), 909e6, 0.05 * 909e6);
  // The executed operators of the layers' defining formulas (BatchNorm unfolded; the widened
  // stems' aggregated bias is an add, not a convolution's bias).
  EXPECT_EQ(p.macs, 896279372);
  EXPECT_EQ(p.graph_macs, 95202592);
  int64_t layer_params = 0;
  for (const auto& l : p.layers) layer_params += l.params;
  EXPECT_EQ(layer_params, p.params);
  EXPECT_EQ(p.layers.back().output_shape, (std::vector<int64_t>{1, 2}));
  // Called where no gradients are recorded, the count must not follow
  // evaluation's fast paths (BatchNorm folded into convolutions).
  torch::NoGradGuard no_grad;
  const ModelProfile q = profile_student(*student, 29);
  EXPECT_EQ(q.macs, p.macs);
  EXPECT_EQ(q.graph_macs, p.graph_macs);
}

// The stem and the reference main stream are the core's basic block: a student whose searched block
// is another builds with no `basic` plugin loaded, with the same parameters.
TEST(Student, BuildsWithoutTheBasicPlugin) {
  PluginRegistry without_basic;
  for (const auto& e : builtin_plugins().entries()) {
    if (!(e.kind == CPNAS_KIND_BLOCK && e.name == "basic")) without_basic.add(e);
  }
  ASSERT_EQ(without_basic.find(CPNAS_KIND_BLOCK, "basic"), nullptr);
  const Skeleton& skeleton = find_layout("in-motion-2022");
  Arch arch = small_arch("sep", "ca");
  arch.reference_main = true;
  Student with = build_student(arch, skeleton, 2, builtin_plugins(), 7);
  Student without = build_student(arch, skeleton, 2, without_basic, 7);
  const auto a = with->named_parameters(), b = without->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) {
    ASSERT_TRUE(b.contains(p.key())) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
  }
  arch.block = "basic";
  EXPECT_THROW(build_student(arch, skeleton, 2, without_basic, 7), Error);
}

class EveryBlockAndAttention : public testing::TestWithParam<std::tuple<std::string, std::string>> {
};

// Also: evaluation without gradients (channels-last on the CPU) scores what evaluation with them
// (channels-first) scores.
TEST_P(EveryBlockAndAttention, BuildsRunsAndBackpropagatesInEveryVariant) {
  const auto& [block, attention] = GetParam();
  const Skeleton& skeleton = find_layout("in-motion-2022");
  torch::manual_seed(3);
  const auto x = torch::randn({2, 4, 4, 150, 29});
  for (auto act : {Activation::relu, Activation::relu6, Activation::hardswish, Activation::swish}) {
    for (bool multi_gcn : {false, true}) {
      for (bool reference : {false, true}) {
        Arch arch = small_arch(block, attention);
        arch.activation = act;
        arch.multi_gcn = multi_gcn;
        arch.reference_main = reference;
        Student student = build_student(arch, skeleton, 4, builtin_plugins(), 7);
        student->train();
        const auto y = student->forward(x);
        ASSERT_EQ(y.sizes(), (std::vector<int64_t>{2, 2}));
        y.sum().backward();
        // Every parameter trains but the biases in front of a BatchNorm, which stay 0.
        std::set<const void*> untrained;
        for (const auto& m : student->modules(/*include_self=*/false)) {
          const auto* layer = m->as<ConvBNImpl>();
          if (layer && layer->conv->bias.defined()) {
            untrained.insert(layer->conv->bias.unsafeGetTensorImpl());
          }
        }
        ASSERT_FALSE(untrained.empty());
        for (const auto& p : student->named_parameters()) {
          const bool trained = untrained.count(p.value().unsafeGetTensorImpl()) == 0;
          ASSERT_EQ(p.value().requires_grad(), trained) << p.key();
          ASSERT_EQ(p.value().grad().defined(), trained) << p.key();
          if (trained) {
            ASSERT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
          } else {
            ASSERT_TRUE((p.value() == 0).all().item<bool>()) << p.key();
          }
        }
        student->eval();
        const auto channels_first = student->forward(x);
        torch::NoGradGuard no_grad;
        EXPECT_TRUE(torch::allclose(student->forward(x), channels_first, 1e-4, 1e-5));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Plugins, EveryBlockAndAttention,
    testing::Combine(testing::Values("basic", "bottleneck", "sep", "sg", "v3", "shuffle"),
                     testing::Values("stja", "ca", "fa", "ja", "pa")),
    [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

// bf16 evaluation (autocast, no gradients, the way `cpnas bench eval` and evaluation run it)
// keeps LibTorch's operators: its convolutions return bf16, which the fp32 kernels cannot read.
// The attention is ca, whose gate is a sigmoid: fa's unsquashed gate grows this random network's
// activations to 1.7e6 by the last block, where bf16's spacing is 1e4, so the two evaluation
// paths' roundings differed by more than any tolerance on one CPU (AMX) and not on another. On a
// CPU without native bf16 the scope runs fp32 (usable_precision), and so does this test.
TEST(Student, EvaluatesWithoutGradientsUnderBf16Autocast) {
  torch::manual_seed(4);
  Arch arch = small_arch("sep", "ca");
  arch.activation = Activation::swish;
  Student student = build_student(arch, find_layout("in-motion-2022"), 4, builtin_plugins(), 7);
  student->eval();
  const auto x = torch::randn({2, 4, 4, 150, 29});
  AutocastScope autocast(Precision::bf16, torch::kCPU);
  const auto with_gradients = student->forward(x);
  torch::NoGradGuard no_grad;
  const auto y = student->forward(x);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_TRUE(torch::allclose(y.to(torch::kFloat), with_gradients.to(torch::kFloat), 5e-2, 5e-2))
      << y << with_gradients;
}

TEST(Precision, Bf16FallsBackToFp32OnlyOnACpuWithoutNativeBf16) {
  EXPECT_EQ(usable_precision(Precision::bf16, false, false), Precision::fp32);
  EXPECT_EQ(usable_precision(Precision::bf16, false, true), Precision::bf16);
  EXPECT_EQ(usable_precision(Precision::bf16, true, false), Precision::bf16);
  EXPECT_EQ(usable_precision(Precision::fp32, false, false), Precision::fp32);
  // Every bf16 run (training steps, validation, evaluation, bench) goes through the scope.
  const bool before = autocast_enabled(false);
  {
    AutocastScope autocast(Precision::bf16, torch::kCPU);
    EXPECT_EQ(autocast_enabled(false), cpu_has_native_bf16());
  }
  EXPECT_EQ(autocast_enabled(false), before);
}

TEST(Student, SameSeedSameWeightsOtherSeedOtherWeights) {
  const Skeleton& skeleton = find_layout("in-motion");
  const Arch arch = small_arch("v3", "pa");
  Student a = build_student(arch, skeleton, 2, builtin_plugins(), 11);
  Student b = build_student(arch, skeleton, 2, builtin_plugins(), 11);
  Student c = build_student(arch, skeleton, 2, builtin_plugins(), 12);
  const auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_differs = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
    any_differs = any_differs || !torch::equal(pa[i], pc[i]);
  }
  EXPECT_TRUE(any_differs);
}

TEST(Student, EachStudentDrawsItsTrainingDropoutFromItsOwnStreamAndBuildingOneDrawsNoOthers) {
  const Skeleton& skeleton = find_layout("in-motion");
  Arch arch = small_arch("sep", "ca");
  arch.dropout = 0.5;
  const auto x = torch::randn({8, 1, 4, 40, skeleton.num_joints()});
  Student alone = build_student(arch, skeleton, 1, builtin_plugins(), 21);
  alone->train();
  const auto expected = alone->forward(x);

  torch::manual_seed(3);
  const auto global_before = at::detail::getDefaultCPUGenerator().get_state();
  Student a = build_student(arch, skeleton, 1, builtin_plugins(), 21);
  Student other = build_student(arch, skeleton, 1, builtin_plugins(), 22);
  EXPECT_TRUE(torch::equal(at::detail::getDefaultCPUGenerator().get_state(), global_before))
      << "building a student reseeded the process";
  a->train();
  other->train();
  (void)other->forward(x);   // another student's training draws in between
  (void)torch::rand({100});  // and the process's own
  EXPECT_TRUE(torch::equal(a->forward(x), expected));
}

TEST(Student, InitialisationAsSpecified) {
  Student s = build_student(small_arch("sep", "fa"), find_layout("in-motion-2022"), 1,
                            builtin_plugins(), 5);
  for (const auto& p : s->named_parameters()) {
    const std::string& name = p.key();
    const bool is_bias = name.size() > 5 && name.substr(name.size() - 5) == ".bias";
    if (name.find("edge_importance") != std::string::npos) {
      EXPECT_TRUE(torch::equal(p.value(), torch::ones_like(p.value()))) << name;
    } else if (name.find("alpha") != std::string::npos || is_bias) {
      EXPECT_EQ(p.value().abs().sum().item<float>(), 0.f) << name;
    }
  }
  const auto classifier = s->named_parameters()["classifier.weight"];
  EXPECT_LT(classifier.std().item<float>(), 0.01f);
  EXPECT_GT(classifier.std().item<float>(), 0.f);
}

TEST(Student, UnknownBlockListsWhatIsLoaded) {
  try {
    build_student(small_arch("dilated", "fa"), find_layout("in-motion"), 1, builtin_plugins(), 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown block 'dilated' (loaded: basic, bottleneck, sep, sg, shuffle, v3)");
  }
}

TEST(Student, TooFewChannelsForTheRatioNamesTheBlock) {
  Arch arch = small_arch("bottleneck", "fa");
  arch.init_channels = 1;
  arch.reduct_ratio = 100;  // 48 channels of the last main block / 100 -> 0 inner channels
  arch.input.blocks = 0;
  arch.main.blocks = 1;
  try {
    build_student(arch, find_layout("in-motion"), 1, builtin_plugins(), 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("block 'bottleneck'", 0), 0u) << e.what();
  }
}

// fa's gate against its definition, the mean and the max over channels and joints into a 9x1
// convolution, forward and backward (amax's gradient; without ties the plugin's max-with-indices
// routes it identically), on contiguous memory (per joint, then per channel) and on channels-last
// memory (over each frame's contiguous run), with and without gradients.
TEST(FrameAttention, ComputesItsDefinitionForwardAndBackward) {
  torch::manual_seed(31);
  AttentionOptions o;
  o.channels = 8;
  o.skeleton = find_layout("in-motion");
  const auto gate = builtin_plugins().attention("fa")(o);
  const auto params = gate->named_parameters();
  const auto x = torch::randn({3, 8, 20, 19}, torch::requires_grad());
  const auto pooled = torch::stack({x.mean({1, 3}), x.amax({1, 3})}, 1).unsqueeze(-1);
  const auto expected =
      torch::conv2d(pooled, params["conv.weight"], params["conv.bias"], 1, {4, 0});
  const auto weights = torch::randn(expected.sizes());
  const auto e = torch::autograd::grad({(expected * weights).sum()}, {x})[0];
  for (const auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
    SCOPED_TRACE(format == at::MemoryFormat::Contiguous ? "contiguous" : "channels-last");
    const auto input = x.detach().contiguous(format).requires_grad_();
    const auto got = gate->forward(input);
    ASSERT_EQ(got.sizes(), expected.sizes());
    EXPECT_TRUE(torch::allclose(got, expected, 1e-6, 1e-6));
    const auto g = torch::autograd::grad({(got * weights).sum()}, {input})[0];
    EXPECT_TRUE(torch::allclose(g, e, 1e-6, 1e-6));
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(gate->forward(input.detach()), expected, 1e-6, 1e-6));
  }
}
