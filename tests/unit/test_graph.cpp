#include <gtest/gtest.h>

#include "data/layout.hpp"
#include "error.hpp"
#include "model/graph.hpp"

using namespace cpnas;

namespace {

Skeleton chain(int joints) {
  Skeleton s;
  for (int j = 0; j < joints; ++j) s.joints.push_back("j" + std::to_string(j));
  for (int j = 1; j < joints; ++j) s.edges.push_back({j, j - 1});
  return s;
}

}  // namespace

TEST(Graph, HopDistancesOfAChain) {
  const auto d = hop_distance(chain(5), 3);
  const auto expected =
      torch::tensor({0, 1, 2, 3, -1, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, -1, 3, 2, 1, 0},
                    torch::kLong)
          .view({5, 5});
  EXPECT_TRUE(torch::equal(d, expected)) << d;
}

TEST(Graph, DistancePartitionIsColumnNormalisedOverAllSubsets) {
  // Chain 0-1-2-3-4: columns 0 and 4 reach 4 joints within 3 hops, columns 1-3 reach all 5.
  const auto a = distance_adjacency(chain(5));
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{4, 5, 5}));
  EXPECT_FLOAT_EQ(a[0][0][0].item<float>(), 1.f / 4);
  EXPECT_FLOAT_EQ(a[0][2][2].item<float>(), 1.f / 5);
  EXPECT_FLOAT_EQ(a[1][0][1].item<float>(), 1.f / 5);
  EXPECT_FLOAT_EQ(a[1][1][0].item<float>(), 1.f / 4);
  EXPECT_FLOAT_EQ(a[2][0][2].item<float>(), 1.f / 5);
  EXPECT_FLOAT_EQ(a[3][0][3].item<float>(), 1.f / 5);
  EXPECT_FLOAT_EQ(a[3][4][1].item<float>(), 1.f / 5);
  EXPECT_EQ(a.select(1, 0).select(1, 4).abs().sum().item<float>(), 0.f);  // 0 and 4: 4 hops
  EXPECT_EQ(a[1][0][2].item<float>(), 0.f);                               // 2 hops, not 1
  // Every column sums to 1 over the four subsets.
  EXPECT_TRUE(torch::allclose(a.sum(torch::IntArrayRef{0, 1}), torch::ones({5})));
}

TEST(Layouts, MatchTheDesign) {
  const Skeleton& full = find_layout("in-motion-2022");
  EXPECT_EQ(full.num_joints(), 29);
  EXPECT_EQ(full.edges.size(), 28u);
  EXPECT_EQ(full.centre, 8);
  EXPECT_EQ(full.parents.size(), 29u);
  const Skeleton& small = find_layout("in-motion");
  EXPECT_EQ(small.num_joints(), 19);
  EXPECT_EQ(small.edges.size(), 18u);
  EXPECT_EQ(find_layout("coco-18").num_joints(), 18);
  for (const auto& name : layout_names()) {
    const Skeleton& s = find_layout(name);
    // A tree over all joints: connected, every joint in exactly one part, parents in range.
    EXPECT_EQ(s.edges.size() + 1, static_cast<size_t>(s.num_joints())) << name;
    EXPECT_FALSE((hop_distance(s, 1000) < 0).any().item<bool>()) << name;
    std::vector<int> seen(s.num_joints(), 0);
    for (const auto& part : s.parts)
      for (int j : part) ++seen[j];
    for (int j = 0; j < s.num_joints(); ++j) {
      EXPECT_EQ(seen[j], 1) << name << " joint " << j;
      EXPECT_GE(s.parents[j], 0);
      EXPECT_LT(s.parents[j], s.num_joints());
    }
  }
  EXPECT_THROW(find_layout("kinect"), Error);
}
