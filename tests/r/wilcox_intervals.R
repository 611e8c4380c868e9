# R's Hodges–Lehmann intervals for the cases of a CSV (columns case, level, change): one
# line per case with R's interval (17 significant digits, "NA" where R lowers the level,
# warning "requested conf.level not achievable", or gives none) and the path R took.
# tests/unit/test_signed_rank.py freezes this script's output for its hand cases:
#   Rscript tests/r/wilcox_intervals.R cases.csv
# (R 4.2.2 from Debian's r-base-core; wilcox.test's defaults: correct = TRUE, exact = NULL.)
args <- commandArgs(trailingOnly = TRUE)
cases <- read.csv(args[1])
for (name in unique(cases$case)) {
  rows <- cases[cases$case == name, ]
  level <- rows$level[1]
  test <- suppressWarnings(wilcox.test(rows$change, conf.int = TRUE, conf.level = level))
  interval <- test$conf.int
  reached <- isTRUE(all.equal(attr(interval, "conf.level"), level)) && all(is.finite(interval))
  limits <- if (reached) sprintf("%.17g", interval) else c("NA", "NA")
  exact <- grepl("exact", test$method)
  cat(name, limits, if (exact) "exact" else "normal", "\n")
}
