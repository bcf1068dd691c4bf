#include "search/space.hpp"

#include "io/error.hpp"
#include "io/job_schema.hpp"

namespace cpnas {

SearchSpace SearchSpace::from_job(const Job& job) {
  SearchSpace space;
  for (const auto& spec : job_schema()) {
    if (spec.section != "space") continue;
    auto choices = job.get_list("space", spec.key);
    if (choices.empty()) continue;
    space.keys.push_back({spec.element_section, spec.key, std::move(choices)});
  }
  if (space.keys.empty()) {
    throw Error((job.file().empty() ? std::string("job") : job.file()) +
                ": [space] has no key with choices; nothing to search");
  }
  return space;
}

void SearchSpace::check(const Actions& actions) const {
  if (actions.size() != keys.size()) {
    throw Error("student has " + std::to_string(actions.size()) + " choices for a space of " +
                std::to_string(keys.size()) + " keys");
  }
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (actions[k] < 0 || actions[k] >= static_cast<int>(keys[k].choices.size())) {
      throw Error("choice " + std::to_string(actions[k]) + " of " + keys[k].key +
                  " is out of range");
    }
  }
}

Job SearchSpace::apply(const Job& job, const Actions& actions) const {
  check(actions);
  Job out = job;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    out.set(keys[k].section, keys[k].key, keys[k].choices[actions[k]], "search");
  }
  return out;
}

std::string SearchSpace::describe() const {
  std::string text;
  for (const auto& key : keys) {
    text += key.section + "." + key.key + "=";
    for (std::size_t i = 0; i < key.choices.size(); ++i) text += (i ? "," : "") + key.choices[i];
    text += "\n";
  }
  return text;
}

}  // namespace cpnas
