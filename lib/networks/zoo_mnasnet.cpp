#include "zoo_blocks.h"

#include <string>

namespace dwvp::networks::zoo {

// ---------------------------------------------------------------------------------
// MnasNet-B1 1.0 (Tan et al. 2019; the TF reference mnasnet_b1 and torchvision's
// mnasnet1_0): conv 3x3 s2 32, a separable conv (dw 3x3 32 + linear pw 16, no skip),
// then MBConv stacks (expansion t, out c, repeats n, stride s, kernel k), head 1x1 1280,
// global pool, FC 1000. ReLU throughout.
void mnasnet_b1(maker& m) {
  int x = m.conv("conv1", -1, 32, 3, 2, k_relu);
  x = m.depthwise("sep_dw", x, 3, 1, k_relu);
  x = m.pointwise("sep_pw", x, 16, k_none);
  const int cfg[6][5] = {{3, 24, 3, 2, 3}, {3, 40, 3, 2, 5},  {6, 80, 3, 2, 5},
                         {6, 96, 2, 1, 3}, {6, 192, 4, 2, 5}, {6, 320, 1, 1, 3}};
  int in_c = 16, i = 1;
  for (const auto& c : cfg) {
    for (int r = 0; r < c[2]; ++r) {
      const std::string b = block_name(i++);
      const int stride = r == 0 ? c[3] : 1;
      int y = m.pointwise(b + "_expand", x, in_c * c[0], k_relu);
      y = m.depthwise(b + "_dw", y, c[4], stride, k_relu);
      y = m.pointwise(b + "_project", y, c[1], k_none);
      if (stride == 1 && in_c == c[1])
        y = m.add(b + "_add", y, x);
      x = y;
      in_c = c[1];
    }
  }
  x = m.pointwise("conv_last", x, 1280, k_relu);
  x = m.global_pool("pool", x);
  m.fc("fc", x, 1000, k_none);
}

} // namespace dwvp::networks::zoo
