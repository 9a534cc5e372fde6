#include "zoo_blocks.h"

#include <string>
#include <vector>

namespace dwvp::networks::zoo {
namespace {

// ---------------------------------------------------------------------------------
// MobileNet-v3 (Howard et al. 2019, Table 1 Large, Table 2 Small), as the TF-slim and
// torchvision references build it: no expansion layer when exp == in; SE after the
// depthwise activation, squeeze to make_divisible(exp / 4, 8); the head 1x1 conv ->
// global pool -> FC (1280 / 1024, hard-swish) -> FC 1000. The Small table's SE on the
// last 1x1 conv is not in either reference implementation and is left out.
struct v3_block {
  int k, exp, out;
  bool se, hswish;
  int stride;
};

void mobilenet_v3(maker& m, const std::vector<v3_block>& blocks, int last_conv,
                  int last_fc) {
  int x = m.conv("conv1", -1, 16, 3, 2, k_hswish);
  int in_c = 16, i = 1;
  for (const v3_block& blk : blocks) {
    const std::string b = block_name(i++);
    const act a = blk.hswish ? k_hswish : k_relu;
    int y = x;
    if (blk.exp != in_c)
      y = m.pointwise(b + "_expand", y, blk.exp, a);
    y = m.depthwise(b + "_dw", y, blk.k, blk.stride, a);
    if (blk.se)
      y = m.squeeze_excite(b + "_se", y); // follows the FuSe concatenation
    y = m.pointwise(b + "_project", y, blk.out, k_none);
    if (blk.stride == 1 && in_c == blk.out)
      y = m.add(b + "_add", y, x);
    x = y;
    in_c = blk.out;
  }
  x = m.pointwise("conv_last", x, last_conv, k_hswish);
  x = m.global_pool("pool", x);
  x = m.fc("fc1", x, last_fc, k_hswish);
  m.fc("fc2", x, 1000, k_none);
}

} // namespace

void mobilenet_v3_large(maker& m) {
  mobilenet_v3(m,
               {{3, 16, 16, false, false, 1},
                {3, 64, 24, false, false, 2},
                {3, 72, 24, false, false, 1},
                {5, 72, 40, true, false, 2},
                {5, 120, 40, true, false, 1},
                {5, 120, 40, true, false, 1},
                {3, 240, 80, false, true, 2},
                {3, 200, 80, false, true, 1},
                {3, 184, 80, false, true, 1},
                {3, 184, 80, false, true, 1},
                {3, 480, 112, true, true, 1},
                {3, 672, 112, true, true, 1},
                {5, 672, 160, true, true, 2},
                {5, 960, 160, true, true, 1},
                {5, 960, 160, true, true, 1}},
               960, 1280);
}

void mobilenet_v3_small(maker& m) {
  mobilenet_v3(m,
               {{3, 16, 16, true, false, 2},
                {3, 72, 24, false, false, 2},
                {3, 88, 24, false, false, 1},
                {5, 96, 40, true, true, 2},
                {5, 240, 40, true, true, 1},
                {5, 240, 40, true, true, 1},
                {5, 120, 48, true, true, 1},
                {5, 144, 48, true, true, 1},
                {5, 288, 96, true, true, 2},
                {5, 576, 96, true, true, 1},
                {5, 576, 96, true, true, 1}},
               576, 1024);
}

} // namespace dwvp::networks::zoo
