#include "report/svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace cpnas {

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

SvgChart::SvgChart(double width, double height, SvgAxis x, SvgAxis y)
    : width_(width), height_(height), x_(std::move(x)), y_(std::move(y)) {
  if (x_.max <= x_.min) x_.max = x_.min + 1;
  if (y_.max <= y_.min) y_.max = y_.min + 1;
}

double SvgChart::x(double v) const {
  return left_ + (v - x_.min) / (x_.max - x_.min) * (width_ - left_ - right_);
}

double SvgChart::y(double v) const {
  return height_ - bottom_ - (v - y_.min) / (y_.max - y_.min) * (height_ - top_ - bottom_);
}

void SvgChart::point(double px, double py, const std::string& shape, const std::string& css,
                     const std::string& tooltip) {
  const double cx = x(px), cy = y(py);
  const std::string title = "<title>" + escape_html(tooltip) + "</title>";
  if (shape == "cross") {
    body_ += fmt::format("<path class=\"{}\" d=\"M{:.1f},{:.1f}l8,8m0,-8l-8,8\">{}</path>", css,
                         cx - 4, cy - 4, title);
  } else if (shape == "square") {
    body_ += fmt::format(
        "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"8\" height=\"8\">{}</rect>", css,
        cx - 4, cy - 4, title);
  } else {
    body_ += fmt::format("<circle class=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\">{}</circle>",
                         css, cx, cy, title);
  }
}

void SvgChart::line(const std::vector<std::pair<double, double>>& points, const std::string& css) {
  if (points.empty()) return;
  std::string d;
  for (const auto& [px, py] : points) {
    d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "M" : "L", x(px), y(py));
  }
  body_ += fmt::format("<path class=\"{}\" d=\"{}\"/>", css, d);
}

void SvgChart::rect(double x0, double y0, double x1, double y1, const std::string& css,
                    const std::string& tooltip) {
  body_ += fmt::format(
      "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
      "<title>{}</title></rect>",
      css, std::min(x(x0), x(x1)), std::min(y(y0), y(y1)), std::abs(x(x1) - x(x0)),
      std::abs(y(y1) - y(y0)), escape_html(tooltip));
}

void SvgChart::text(double px, double py, const std::string& t, const std::string& css,
                    const std::string& anchor) {
  body_ += fmt::format("<text class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>",
                       css, x(px), y(py), anchor, escape_html(t));
}

void SvgChart::rule(double px, const std::string& label) {
  body_ += fmt::format(
      "<line class=\"rule\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>"
      "<text class=\"rule-label\" x=\"{3:.1f}\" y=\"{4:.1f}\">{5}</text>",
      x(px), top_, height_ - bottom_, x(px) + 3, top_ + 10, escape_html(label));
}

std::vector<double> tick_values(const SvgAxis& axis) {
  std::vector<double> values;
  if (!axis.integer) {
    for (int i = 0; i <= axis.ticks; ++i) {
      values.push_back(axis.min + (axis.max - axis.min) * i / axis.ticks);
    }
    return values;
  }
  const double raw = std::max(1.0, (axis.max - axis.min) / std::max(1, axis.ticks));
  double step = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * step >= raw) {
      step *= m;
      break;
    }
  }
  for (double v = std::ceil(axis.min / step) * step; v <= axis.max + 1e-9; v += step)
    values.push_back(v);
  return values;
}

std::string SvgChart::str(const std::string& title) const {
  std::string axes = fmt::format("<path class=\"axis\" d=\"M{0:.1f},{1:.1f}V{2:.1f}H{3:.1f}\"/>",
                                 left_, top_, height_ - bottom_, width_ - right_);
  for (const double v : tick_values(x_)) {
    axes += fmt::format(
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:g}</text>", x(v),
        height_ - bottom_ + 16, v);
  }
  for (const double v : tick_values(y_)) {
    axes += fmt::format(
        "<line class=\"grid\" x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\"/>"
        "<text class=\"tick\" x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:g}</text>",
        left_, width_ - right_, y(v), left_ - 6, y(v) + 4, v);
  }
  axes += fmt::format(
      "<text class=\"axis-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
      (left_ + width_ - right_) / 2, height_ - 6, escape_html(x_.label));
  axes += fmt::format(
      "<text class=\"axis-label\" transform=\"translate(14,{:.1f}) rotate(-90)\" "
      "text-anchor=\"middle\">{}</text>",
      (top_ + height_ - bottom_) / 2, escape_html(y_.label));
  return fmt::format(
      "<svg viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\">{}{}</svg>",
      width_, height_, escape_html(title), axes, body_);
}

}  // namespace cpnas
