#include "report/page.hpp"

#include "report/svg.hpp"

namespace cpnas {
namespace {

// Colours are paired with shapes, labels and positions, so nothing depends on hue alone.
constexpr const char* kStyle = R"(
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:62rem;color:#111}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #999}
table{border-collapse:collapse;font-size:.85rem}td,th{padding:.2rem .5rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top}
th{background:#f0f0f0}td.l,th.l{text-align:left}.scroll{overflow-x:auto}
.facts{display:flex;flex-wrap:wrap;gap:.5rem 2rem}.facts div{min-width:9rem}.facts b{display:block;font-size:1.3rem}
svg{width:100%;height:auto;max-width:46rem;display:block}
.axis{fill:none;stroke:#222}.grid{stroke:#e4e4e4}.tick,.rule-label,.end{font-size:11px;fill:#222}
.axis-label{font-size:12px;fill:#222}.rule{stroke:#999;stroke-dasharray:3 3}
.bad{stroke:#b00;stroke-width:2;fill:none}.best{fill:none;stroke:#111;stroke-width:1.5;stroke-dasharray:6 3}
.i0{fill:#1f77b4}.i1{fill:#d95f02}.i2{fill:#1b9e77}.i3{fill:#7570b3}.i4{fill:#a6761d}.i5{fill:#e7298a}
.c0,.c1,.c2,.c3,.c4,.c5{fill:none;stroke-width:2}.c0{stroke:#1f77b4}.c1{stroke:#d95f02;stroke-dasharray:6 2}
.c2{stroke:#1b9e77;stroke-dasharray:2 2}.c3{stroke:#7570b3;stroke-dasharray:8 2 2 2}.c4{stroke:#a6761d;stroke-dasharray:4 4}
.c5{stroke:#e7298a;stroke-dasharray:1 3}.roc{fill:none;stroke:#1f77b4;stroke-width:2}.chance{stroke:#999;stroke-dasharray:4 4;fill:none}
.op{fill:#b00}.policy{display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:1rem}
.policy h3{font-size:.95rem;margin:.3rem 0}.note{color:#444;font-size:.85rem}
body:has(section:target)>:not(section:target){display:none}
.bone{stroke:#777;stroke-width:2}.joint{stroke:#222;stroke-width:.8}.part-bar{fill:#d95f02}.relevance-bar{fill:#bd0026}
.score{fill:none;stroke:#1f77b4;stroke-width:2}.threshold{stroke:#b00;stroke-dasharray:5 3;fill:none}.group0{fill:#bd0026}.group1{fill:#1f77b4}
.legend-box{display:flex;align-items:center;gap:.4rem;font-size:.8rem}.recording{display:grid;grid-template-columns:minmax(12rem,18rem) 1fr;gap:1rem}
@media(max-width:40rem){.recording{grid-template-columns:1fr}}
@media print{body{max-width:none;font-size:11px}h2{break-before:auto}section{break-inside:avoid}.scroll{overflow:visible}}
)";

}  // namespace

std::string page_start(const std::string& title) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" +
         escape_html(title) + "</title><style>" + kStyle + "</style></head><body>";
}

}  // namespace cpnas
