#include "fuse_paper_timing.h"

#include <stdexcept>
#include <string>

namespace dwvp::timing {
namespace {

[[noreturn]] void refuse(const dwvp_desc& d, const std::string& what) {
  throw std::invalid_argument("layer timing fuse_paper (layer " +
                              std::to_string(d.layer_id) + ", opcode " +
                              opcode_name(d.opcode) + " = " + std::to_string(d.opcode) +
                              ", mapping " + std::to_string(d.mapping) + ", dataflow " +
                              std::to_string(d.dataflow) + "): " + what);
}

void require_dim(const dwvp_desc& d, int64_t value, const char* field) {
  if (value < 1) {
    refuse(d, std::string(field) + " must be >= 1, got " + std::to_string(value));
  }
}

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

uint64_t u64(int64_t v) {
  return static_cast<uint64_t>(v);
}

// The os | ws dataflow of a layer mapped as GEMMs.
gemm::dataflow gemm_dataflow(const dwvp_desc& d) {
  if (d.dataflow == DWVP_DF_OS) {
    return gemm::dataflow::os;
  }
  if (d.dataflow == DWVP_DF_WS) {
    return gemm::dataflow::ws;
  }
  refuse(d, "dataflow st_os applies to opcodes dw_1xk and dw_kx1 only");
}

compute_timing on_array(uint64_t cycles, uint64_t macs, uint64_t folds,
                        const compute_config& cfg) {
  compute_timing t;
  t.unit = engine::gemm;
  t.cycles = cycles;
  t.macs = macs;
  t.folds = folds;
  t.utilization = static_cast<double>(macs) /
                  (static_cast<double>(cycles) * static_cast<double>(cfg.array.rows) *
                   static_cast<double>(cfg.array.cols));
  t.lead = cycles;
  t.tail = 0;
  return t;
}

// `repeats` copies of one GEMM, charged one after the other.
compute_timing gemm_layer(const gemm::gemm_shape& shape, gemm::dataflow df,
                          uint64_t repeats, const compute_config& cfg) {
  const fuse_paper_gemm g = fuse_paper_gemm_cycles(shape, cfg.array, df);
  const uint64_t macs = u64(shape.m) * u64(shape.n) * u64(shape.k);
  return on_array(repeats * g.cycles, repeats * macs, repeats * g.folds, cfg);
}

// A 1xK / Kx1 layer on ST-OS: every fold of the convolutions (rows) by their output
// positions (columns) is charged the full C + K.
compute_timing st_os_layer(const dwvp_desc& d, const compute_config& cfg) {
  if (d.opcode != DWVP_OP_DW_1XK && d.opcode != DWVP_OP_DW_KX1) {
    refuse(d, "dataflow st_os applies to opcodes dw_1xk and dw_kx1 only");
  }
  if (d.mapping != DWVP_MAP_DEFAULT) {
    refuse(d, "dataflow st_os runs the 1D convolutions itself: mapping must be default");
  }
  const bool row_filter = d.opcode == DWVP_OP_DW_1XK;
  if (row_filter && d.kernel_h != 1) {
    refuse(d, "dw_1xk needs kernel_h = 1, got " + std::to_string(d.kernel_h));
  }
  if (!row_filter && d.kernel_w != 1) {
    refuse(d, "dw_kx1 needs kernel_w = 1, got " + std::to_string(d.kernel_w));
  }
  const uint64_t convs = u64(d.out_c) * (row_filter ? d.out_h : d.out_w);
  const uint64_t outputs = row_filter ? d.out_w : d.out_h;
  const uint64_t k = row_filter ? d.kernel_w : d.kernel_h;
  const uint64_t folds =
      ceil_div(convs, u64(cfg.array.rows)) * ceil_div(outputs, u64(cfg.array.cols));
  return on_array(folds * (u64(cfg.array.cols) + k), convs * outputs * k, folds, cfg);
}

} // namespace

fuse_paper_gemm fuse_paper_gemm_cycles(const gemm::gemm_shape& shape,
                                       const gemm::array_dims& array, gemm::dataflow df) {
  if (shape.m < 1 || shape.n < 1 || shape.k < 1 || array.rows < 1 || array.cols < 1) {
    throw std::invalid_argument(
        "fuse_paper gemm: m, n, k, array rows and cols must be >= 1, got m " +
        std::to_string(shape.m) + ", n " + std::to_string(shape.n) + ", k " +
        std::to_string(shape.k) + ", array " + std::to_string(array.rows) + "x" +
        std::to_string(array.cols));
  }
  const gemm::array_mapping map = gemm::map_gemm(shape, df);
  const uint64_t row_folds = ceil_div(u64(map.s_r), u64(array.rows));
  const uint64_t col_folds = ceil_div(u64(map.s_c), u64(array.cols));
  fuse_paper_gemm g;
  g.folds = row_folds * col_folds;
  // sum over folds of (T + r + c - 1): each row fold's r appears once per column fold,
  // the used rows of the row folds summing to S_r (and likewise for the columns).
  g.cycles =
      g.folds * (u64(map.t) - 1) + u64(map.s_r) * col_folds + u64(map.s_c) * row_folds;
  return g;
}

compute_timing fuse_paper_compute(const dwvp_desc& d, const compute_config& cfg) {
  const int64_t pixels = int64_t{d.out_h} * d.out_w;
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    require_dim(d, d.in_c, "in_c");
    require_dim(d, d.kernel_h, "kernel_h");
    require_dim(d, d.kernel_w, "kernel_w");
    return gemm_layer({pixels, d.out_c, int64_t{d.kernel_h} * d.kernel_w * d.in_c},
                      gemm_dataflow(d), 1, cfg);
  case DWVP_OP_POINTWISE:
  case DWVP_OP_FC:
    require_dim(d, d.in_c, "in_c");
    return gemm_layer({pixels, d.out_c, d.in_c}, gemm_dataflow(d), 1, cfg);
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    require_dim(d, d.kernel_h, "kernel_h");
    require_dim(d, d.kernel_w, "kernel_w");
    if (d.dataflow == DWVP_DF_ST_OS) {
      return st_os_layer(d, cfg);
    }
    {
      // The baseline systolic array's cycles, whatever the mapping: one single-filter
      // GEMM per channel.
      compute_timing t = gemm_layer({pixels, 1, int64_t{d.kernel_h} * d.kernel_w},
                                    gemm_dataflow(d), u64(d.out_c), cfg);
      if (d.mapping == DWVP_MAP_VECTOR) {
        // The platform still runs it on the vector unit (the sequencer routes by
        // unit), so unit and utilisation are the vector unit's.
        t.unit = engine::vector;
        t.utilization = static_cast<double>(t.macs) /
                        (static_cast<double>(t.cycles) * cfg.vector_lanes);
      }
      return t;
    }
  case DWVP_OP_ADD:
  case DWVP_OP_CHANNEL_MUL:
  case DWVP_OP_AVG_POOL: {
    if (d.dataflow == DWVP_DF_ST_OS) {
      refuse(d, "dataflow st_os applies to opcodes dw_1xk and dw_kx1 only");
    }
    if (d.opcode == DWVP_OP_AVG_POOL) {
      require_dim(d, d.kernel_h, "kernel_h");
      require_dim(d, d.kernel_w, "kernel_w");
    }
    compute_timing t; // not counted by the authors' model
    t.unit = engine::ppu;
    return t;
  }
  default:
    refuse(d, "unknown opcode");
  }
}

} // namespace dwvp::timing
