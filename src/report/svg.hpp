#pragma once
// Inline SVG charts for the HTML report: a plot area with labelled axes, points, lines and text,
// styled by CSS classes of the page (so the page's print and contrast rules apply).

#include <string>
#include <utility>
#include <vector>

namespace cpnas {

/// Escapes text for HTML and SVG.
std::string escape_html(const std::string& text);

struct SvgAxis {
  double min = 0, max = 1;
  std::string label;
  int ticks = 5;         ///< about this many intervals
  bool integer = false;  ///< ticks only at whole numbers (ids, counts), 1, 2 or 5 times 10^k apart
};

/// Where an axis has its ticks: `ticks` + 1 evenly spaced values from min to max, or for an
/// integer axis whole numbers a round step apart (1, 2, 5, 10, 20, ...) within [min, max].
std::vector<double> tick_values(const SvgAxis& axis);

class SvgChart {
 public:
  SvgChart(double width, double height, SvgAxis x, SvgAxis y);

  double x(double value) const;
  double y(double value) const;

  /// A marker: "dot" (circle), "cross" or "square", with a tooltip.
  void point(double x, double y, const std::string& shape, const std::string& css,
             const std::string& tooltip);
  void line(const std::vector<std::pair<double, double>>& points, const std::string& css);
  /// A rectangle between data corners (x0, y0) and (x1, y1), with a tooltip.
  void rect(double x0, double y0, double x1, double y1, const std::string& css,
            const std::string& tooltip);
  void text(double x, double y, const std::string& text, const std::string& css,
            const std::string& anchor = "start");
  /// A vertical rule at data x with a label at the top.
  void rule(double x, const std::string& label);

  /// The whole <svg> element, scaling to its container's width; `title` is its accessible name.
  std::string str(const std::string& title) const;

 private:
  double width_, height_;
  SvgAxis x_, y_;
  double left_ = 56, right_ = 90, top_ = 18, bottom_ = 44;
  std::string body_;
};

}  // namespace cpnas
