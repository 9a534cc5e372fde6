#include "zoo_blocks.h"

#include <string>
#include <vector>

namespace dwvp::networks::zoo {
namespace {

// ---------------------------------------------------------------------------------
// MobileNet-v3 (Howard et al. 2019, Table 1 Large, Table 2 Small), in two definitions
// sharing the paper's block tables:
//
// - reference: as the TF-slim and torchvision reference implementations build it: no
//   expansion layer when exp == in; SE after the depthwise activation, squeeze to
//   make_divisible(exp / 4, 8); the head 1x1 conv -> global pool -> FC (1280 / 1024,
//   hard-swish) -> FC 1000. The Small table's SE on the last 1x1 conv is not in either
//   reference implementation and is left out.
// - fuseconv: as the FuSeConv authors' code builds it (github.com/iitm-sysdl/FuSeConv,
//   models/mobilenetv3.py, MobileNetV3Class), the network their published speedups
//   were measured on: every block has its 1x1 expansion, also when exp == in (the
//   first block of both, 16 -> 16 at 112x112); SE on the depthwise output before the
//   block's activation (dw -> SE -> activation), squeeze floor(exp / 4) with no
//   rounding; the head 1x1 conv -> global pool -> 1x1 conv 1280 with hard-swish (an FC
//   here: the pooled map is 1x1) -> FC 1000, for Small too. No SE on the last conv.
//
// In the FuSe variants the SE follows the concatenation (over 2C channels in Full), as
// in the authors' MobileBottleneckHalf / MobileBottleneckFull.
struct v3_block {
  int k, exp, out;
  bool se, hswish;
  int stride;
};

enum class definition { reference, fuseconv };

const std::vector<v3_block> k_large = {
    {3, 16, 16, false, false, 1}, {3, 64, 24, false, false, 2},
    {3, 72, 24, false, false, 1}, {5, 72, 40, true, false, 2},
    {5, 120, 40, true, false, 1}, {5, 120, 40, true, false, 1},
    {3, 240, 80, false, true, 2}, {3, 200, 80, false, true, 1},
    {3, 184, 80, false, true, 1}, {3, 184, 80, false, true, 1},
    {3, 480, 112, true, true, 1}, {3, 672, 112, true, true, 1},
    {5, 672, 160, true, true, 2}, {5, 960, 160, true, true, 1},
    {5, 960, 160, true, true, 1}};

const std::vector<v3_block> k_small = {
    {3, 16, 16, true, false, 2},  {3, 72, 24, false, false, 2},
    {3, 88, 24, false, false, 1}, {5, 96, 40, true, true, 2},
    {5, 240, 40, true, true, 1},  {5, 240, 40, true, true, 1},
    {5, 120, 48, true, true, 1},  {5, 144, 48, true, true, 1},
    {5, 288, 96, true, true, 2},  {5, 576, 96, true, true, 1},
    {5, 576, 96, true, true, 1}};

void mobilenet_v3(maker& m, const std::vector<v3_block>& blocks, int last_conv,
                  int last_fc, definition def) {
  const bool authors = def == definition::fuseconv;
  int x = m.conv("conv1", -1, 16, 3, 2, k_hswish);
  int in_c = 16, i = 1;
  for (const v3_block& blk : blocks) {
    const std::string b = block_name(i++);
    const act a = blk.hswish ? k_hswish : k_relu;
    int y = x;
    if (authors || blk.exp != in_c)
      y = m.pointwise(b + "_expand", y, blk.exp, a);
    // The authors' SE scales the depthwise output before the activation, which then
    // goes on the channel multiply.
    const bool act_after_se = authors && blk.se;
    y = m.depthwise(b + "_dw", y, blk.k, blk.stride, act_after_se ? k_none : a);
    if (blk.se)
      y = authors ? m.squeeze_excite(b + "_se", y, maker::squeeze::quarter, a)
                  : m.squeeze_excite(b + "_se", y); // follows the FuSe concatenation
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
  mobilenet_v3(m, k_large, 960, 1280, definition::reference);
}

void mobilenet_v3_small(maker& m) {
  mobilenet_v3(m, k_small, 576, 1024, definition::reference);
}

void mobilenet_v3_large_fuseconv(maker& m) {
  mobilenet_v3(m, k_large, 960, 1280, definition::fuseconv);
}

void mobilenet_v3_small_fuseconv(maker& m) {
  mobilenet_v3(m, k_small, 576, 1280, definition::fuseconv);
}

} // namespace dwvp::networks::zoo
