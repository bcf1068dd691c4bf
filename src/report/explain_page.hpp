#pragma once
// The explanation page (issue 19): one self-contained HTML file (inline CSS and SVG, no script)
// showing a clinician which joints and moments weighed towards CP in each recording.

#include <string>
#include <vector>

#include "cpnas/skeleton.hpp"
#include "explain/explanation.hpp"
#include "explain/relevance_file.hpp"

namespace cpnas {

/// The page: how to read it, a summary comparing body-part relevance between recordings scored
/// CP and not (and by known label, when there are labels), then per recording its score, its
/// skeleton coloured by joint relevance, body-part bars, window scores over time with relevance
/// per second beneath, and the five most relevant moments (mm:ss).
std::string explanation_html(const ExplanationSource& source, const Skeleton& layout,
                             const std::vector<RecordingExplanation>& all);

/// "m:ss" of a time in seconds, as a video player shows it.
std::string clock_time(int64_t seconds);

}  // namespace cpnas
