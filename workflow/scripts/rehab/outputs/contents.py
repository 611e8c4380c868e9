"""The report's contents, declared once: its sections, and every table and figure in reading
order with its section, title, caption, the step that makes it and how it was computed.

Everything else derives from this declaration (docs/decisions.md, "The report's contents,
declared once"):

- the number of each table and figure: its place among the items of its kind here
  (`number`), never typed; a caption mentions another item as `{table:<name>}` or
  `{figure:<name>}` and reads "Table 7" (`fill`);
- its file, which carries the same number: `tables/table7_outcomes.csv`,
  `figures/figure4_outcomes.svg` and `.png` (`file_of`);
- the stage rules' outputs for it and Snakemake's `report()` entry, labelled with the
  number, title and caption (workflow/rules/common.smk, `report_outputs`);
- the HTML report: its navigation (`SECTIONS`), each section's items in this order, the
  numbering, the captions and the appendix row that says how each item was made
  (rehab.outputs.report); the Word tables (rehab.outputs.word_tables); the check of
  docs/outputs.md (tests).

Adding a table to the report is: the module that computes it, its step (which writes the
step output named here), ONE entry below, and its tests.

Titles and captions are written for a reader of a journal supplement: they name methods,
not code. Words of the cohort's study declaration are filled in: `{baseline}` ("start"),
`{timepoints}`, `{timepoints_short}`, `{later}` (the time points after the baseline),
`{later_each}` ("discharge and at 1 year after discharge"), `{last}` (the last time point),
`{instruments}` (short labels), `{level}` (the confidence level in percent), `{min_group_size}`.

Each item names the paragraph of the methods that says how it was computed (`method`, an id
in workflow/templates/sections/methods.html.j2; the report's tests check that it is there),
and a table may carry a footnote (`note`, filled in as a caption).

Standard library only: the workflow's rules read it while Snakemake builds the DAG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rehab.core.words import join_words, lower_first

KINDS = {"table": "Table", "figure": "Figure"}


@dataclass(frozen=True)
class Section:
    id: str  # the HTML anchor
    heading: str  # may hold study words, e.g. "Outcomes at {timepoints_short}"
    part: str = "body"  # "body" (results and methods) or "appendix" (how it was made)


@dataclass(frozen=True)
class Item:
    """One numbered table or figure of the report."""

    kind: str  # "table" or "figure"
    name: str  # its name: anchor, file name (after the number) and mention `{kind:name}`
    section: str  # the Section.id it is shown in
    title: str
    caption: str
    step: str | None  # the stage step that writes it (None: a file of another rule, `source`)
    output: str = "table"  # the step's output name for a table (a figure's are png and svg)
    computed_with: str = ""  # config keys and package functions, for the appendix
    source: str | None = None  # a file of another rule, in the cohort folder; else numbered (file_of)
    view: str | None = None  # how the report lays out a table other than row by row
    method: str = ""  # the id of the methods paragraph that says how it was computed
    note: str = ""  # a footnote under a table (study words filled in, as in a caption)


SECTIONS = (
    Section("summary", "Summary"),
    Section("methods", "Methods"),
    Section("baseline", "Characteristics at {baseline}"),
    Section("flow", "Patient flow"),
    Section("interventions", "Interventions and program"),
    Section("outcomes", "Outcomes at {timepoints_short}"),
    Section("responders", "Clinically important improvement"),
    Section("responder-levels", "Responder levels, deterioration and cumulative responder curves"),
    Section("missing-data", "Missing follow-up data"),
    Section("maintenance", "Change between the later time points"),
    Section("attrition", "Completers and non-completers"),
    Section("subgroups", "Subgroups (exploratory)"),
    Section("subgroup-tests", "Subgroup tests of association (exploratory)"),
    Section("response-model", "A multivariable model of response (exploratory)"),
    Section("validation", "Data validation"),
    Section("limitations", "Limitations"),
    Section("made", "Appendix: how each table and figure was made", "appendix"),
    Section("validation-details", "Appendix: validation details", "appendix"),
    Section("reproduction", "Appendix: published values", "appendix"),
    Section("strobe", "Appendix: STROBE checklist", "appendix"),
    Section("provenance", "Appendix: provenance", "appendix"),
)

QUANTILES = "analysis.quantile_method (cohorts.<cohort>.quantile_method overrides it); numpy.quantile"
LEVEL = "analysis.confidence_level"
SIGNED_RANK = (
    'scipy.stats.wilcoxon (zero_method="wilcox", method="auto"); the Hodges–Lehmann estimate and its interval '
    "inverting the signed-rank test as R's wilcox.test(conf.int = TRUE) (rehab.analysis.signed_rank); "
    "statsmodels DescrStatsW.tconfint_mean"
)
WILSON = "statsmodels proportion_confint (method wilson)"
IMPUTATION = "analysis.missing_data.imputations|seed|covariates|max_patients; statsmodels MICEData"

CONTENTS = (
    Item(
        "table",
        "codebook",
        "methods",
        "Intervention categories",
        "The categories each visit's interventions were coded into and what each covers, as named by the codebook "
        "the analysis was configured with; the last column says whether the paper's published text names the category.",
        "table_codebook",
        computed_with="config codebook (the codebook file, validated with pandera: codes 1–10, each named)",
        method="methods-design",
    ),
    Item(
        "table",
        "baseline",
        "baseline",
        "Characteristics of the patients at {baseline}",
        "Mean ± SD (min–max), n (%) or median [q1, q3] over the patients with a valid answer (available-case "
        "analysis); “valid n = …” in a label marks a variable that fewer than all patients answered.",
        "table_baseline",
        computed_with=f"study.instruments, study.timepoints; {QUANTILES}; sample SD (n − 1)",
        method="methods-statistics",
    ),
    Item(
        "figure",
        "patient_flow",
        "flow",
        "Patient flow",
        "Rows of the export read and quarantined, patients included, and patients with outcome data at {later_each}.",
        "figure_patient_flow",
        computed_with="validation/accounting.csv and the flow numbers; matplotlib",
        method="methods-flow",
    ),
    Item(
        "table",
        "instrument_flow",
        "flow",
        "Patients with each instrument",
        "Per instrument, the patients with a value at each time point (the n of {table:outcomes}), at every time "
        "point after {baseline}, and at every time point.",
        "table_instrument_flow",
        computed_with="study.instruments, study.timepoints; outcomes.<instrument>.<timepoint>.n of numbers.csv (pandas)",
        method="methods-flow",
    ),
    Item(
        "table",
        "interventions",
        "interventions",
        "Interventions received",
        "Patients who received each category at least once, n (% of all included patients), and visits in which "
        "it was used, n (% of all visits).",
        "table_interventions",
        computed_with="config codebook; the long table of visits and intervention codes (pandas)",
        method="methods-statistics",
    ),
    Item(
        "figure",
        "intervention_categories",
        "interventions",
        "Intervention categories",
        "Share of the included patients who received each category at least once.",
        "figure_intervention_categories",
        computed_with="interventions.<code>.pct_patients of numbers.csv; matplotlib",
        method="methods-statistics",
    ),
    Item(
        "table",
        "program",
        "interventions",
        "The rehabilitation program",
        "Sessions per patient (patients with at least one visit), program duration (patients with a discharge "
        "date; a month is 30.4375 days) and intervention categories per patient: median [q1, q3].",
        "table_program",
        computed_with=QUANTILES,
        method="methods-statistics",
    ),
    Item(
        "figure",
        "sessions_per_patient",
        "interventions",
        "Sessions per patient",
        "Visits per included patient; dashed line: the median over the patients with at least one visit.",
        "figure_sessions_per_patient",
        computed_with="program.sessions.median of numbers.csv; matplotlib",
        method="methods-statistics",
    ),
    Item(
        "table",
        "combinations",
        "interventions",
        "Combinations of intervention categories",
        "The most frequent sets of categories a patient received over the whole program, n (% of all included "
        "patients); ties ordered by the codes.",
        "table_interventions",
        output="combinations",
        computed_with="the top-combinations count of the stage (frequency_tables.smk)",
        method="methods-statistics",
    ),
    Item(
        "table",
        "outcomes",
        "outcomes",
        "Outcomes at {timepoints_short}",
        "Median [q1, q3] and n of {instruments} at each time point, over the patients with a value there. The "
        "change from {baseline} is over the complete pairs (a value at {baseline} and at the time point): median "
        "[q1, q3], Hodges–Lehmann estimate and mean with {level}% confidence intervals, two-sided Wilcoxon "
        "signed-rank p and effect size r = Z/√n. The population column says which patients a row covers.",
        "table_outcomes",
        computed_with=f"study.instruments, study.timepoints; {QUANTILES}; {LEVEL}; {SIGNED_RANK}",
        method="methods-effects",
    ),
    Item(
        "figure",
        "outcomes",
        "outcomes",
        "Outcomes at {timepoints_short}",
        "Distributions of {instruments}: boxes from the first to the third quartile with the median, whiskers to "
        "the furthest value within 1.5 interquartile ranges, points the recorded values (a random sample of at "
        "most 400 per time point in large cohorts).",
        "figure_outcomes",
        computed_with=f"{QUANTILES}; matplotlib",
        method="methods-statistics",
    ),
    Item(
        "table",
        "mixed_models",
        "outcomes",
        "Change from {baseline} over every observation",
        "Per instrument, a linear mixed model of the value on the time point with a random intercept per patient, "
        "fitted to every recorded value (every patient with any value, not only the complete pairs): the estimated "
        "mean change from {baseline} at each later time point with its {level}% Wald confidence interval, beside "
        "the complete-pairs mean change of {table:outcomes} with its t interval; the patients and values the model "
        "used, and its status.",
        "table_mixed_models",
        computed_with=(
            f"study.timepoints; {LEVEL}; REML of the random-intercept model from its sufficient statistics "
            "(rehab.analysis.mixed_models, the estimates of statsmodels MixedLM), scipy.optimize.minimize_scalar"
        ),
        method="methods-mixed-model",
    ),
    Item(
        "table",
        "effect_sizes",
        "outcomes",
        "Effect sizes with bootstrap confidence intervals",
        "Effect size r = Z/√n of every paired change (negative: the values fell) with its {level}% seeded "
        "bootstrap percentile confidence interval: the changes from {baseline} ({table:outcomes}), then those "
        "between consecutive later time points ({table:maintenance}).",
        "table_effect_sizes",
        computed_with=f"analysis.bootstrap.replicates|seed; {LEVEL}; numpy Generator.multinomial, numpy.quantile",
        method="methods-effect-size",
    ),
    Item(
        "table",
        "responders",
        "responders",
        "Clinically important improvement",
        "Responders among the evaluable patients (a value at {baseline} and at the time point), % with {level}% "
        "Wilson confidence interval, for every responder definition (the first of an instrument is its primary "
        "one). Deteriorated: worse by at least the same threshold. Cannot improve: evaluable patients whose "
        "{baseline} value leaves no room to meet the definition.",
        "table_responders",
        computed_with=f"study.instruments.<instrument>.responders; {LEVEL}; {WILSON}",
        method="methods-responders",
    ),
    Item(
        "figure",
        "responders",
        "responders",
        "Responders",
        "Proportion of evaluable patients with a clinically important improvement at {later}, per instrument "
        "(primary definitions), with {level}% Wilson confidence intervals.",
        "figure_responders",
        computed_with=f"responders.* of numbers.csv; {LEVEL}; matplotlib",
        method="methods-responders",
    ),
    Item(
        "figure",
        "responder_curves",
        "responder-levels",
        "Cumulative responder curves",
        "Share of the evaluable patients with at least each improvement from {baseline} (negative: worsening), "
        "per instrument, a line per time point ({later}); dashed: the primary responder threshold.",
        "figure_responder_curves",
        computed_with="study.instruments.<instrument>.responders; seaborn lineplot",
        method="methods-responder-levels",
    ),
    Item(
        "table",
        "responders_sensitivity",
        "missing-data",
        "Responders, sensitivity analysis",
        "Primary definitions over the patients with a {baseline} value (not only the evaluable ones); a patient "
        "without a value at the time point counts as a non-responder. {level}% Wilson confidence intervals.",
        "table_responders",
        output="sensitivity",
        computed_with=f"{LEVEL}; {WILSON}",
        method="methods-missing",
    ),
    Item(
        "table",
        "missing_data",
        "missing-data",
        "Responders with missing follow-up values handled four ways",
        "Over the patients with a {baseline} value: complete case (evaluable patients only), worst case (missing "
        "= non-responder), best case (missing = responder unless the {baseline} value makes a response "
        "impossible) and multiple imputation under missing at random. Cells: % ({level}% confidence interval): "
        "Wilson intervals for the first three, the pooled logit interval with Barnard–Rubin degrees of freedom "
        "for the imputation.",
        "table_missing_data",
        computed_with=f"{IMPUTATION}; {LEVEL}; {WILSON}",
        method="methods-missing",
    ),
    Item(
        "figure",
        "missing_data",
        "missing-data",
        "Responders under four missing-data assumptions",
        "Complete case, worst case, best case and multiple imputation at {later}, per instrument, with their "
        "{level}% confidence intervals; the true proportion lies between the worst and the best case whatever "
        "the reason for the missing values.",
        "figure_missing_data",
        computed_with=f"responders.*.worst_case|best_case|imputed of numbers.csv; {LEVEL}; matplotlib",
        method="methods-missing",
    ),
    Item(
        "table",
        "tipping_point",
        "missing-data",
        "Responders beyond missing at random: the tipping point",
        "The imputed values of the multiple imputation (δ = 0: missing at random) shifted by δ in the worse "
        "direction, in percent of the instrument's range and in its units (clipped to the range), and the "
        "responder proportion (primary definitions) pooled again, % ({level}% confidence interval); the last "
        "column says whether the interval's lower bound is above the stated value. The smallest δ at which it no "
        "longer is, is the tipping point.",
        "table_missing_data",
        output="tipping_point",
        computed_with=f"analysis.missing_data.tipping_point.deltas_pct|min_responder_pct; {IMPUTATION}; {LEVEL}",
        method="methods-tipping-point",
    ),
    Item(
        "figure",
        "tipping_point",
        "missing-data",
        "The tipping point",
        "Responders (primary definitions) with their {level}% confidence intervals as the imputed values are "
        "shifted by δ in the worse direction (δ = 0: missing at random), per instrument and time point after "
        "{baseline}; dashed: the stated value the lower bound must exceed; open triangle: the tipping point.",
        "figure_tipping_point",
        computed_with=(
            "responders.*.imputed|tipping_point of numbers.csv; analysis.missing_data.tipping_point; "
            f"{LEVEL}; matplotlib"
        ),
        method="methods-tipping-point",
    ),
    Item(
        "table",
        "maintenance",
        "maintenance",
        "Change between the later time points",
        "Paired change from each time point after {baseline} to the next, over the complete pairs, with the "
        "estimates and effect sizes of {table:outcomes}.",
        "table_maintenance",
        computed_with=f"{QUANTILES}; {LEVEL}; {SIGNED_RANK}",
        method="methods-effects",
    ),
    Item(
        "table",
        "maintenance_margin",
        "maintenance",
        "Maintenance against the gain",
        "For each instrument and each time point after {baseline} with the next one: the gain from {baseline} to "
        "the earlier time point (its Hodges–Lehmann change from {table:outcomes}, as an improvement), the "
        "Hodges–Lehmann change to the later one with its {level}% confidence interval ({table:maintenance}), the "
        "largest loss that interval still allows (its worse end) and that loss as a share of the gain. The "
        "outcome counts as maintained when the interval rules out losing more than the stated share of the "
        "gain; “not shown” when it does not.",
        "table_maintenance_margin",
        computed_with="study.instruments.<instrument>.maintenance.max_loss_pct|citation; maintenance and outcomes numbers",
        method="methods-maintenance",
    ),
    Item(
        "table",
        "transitions",
        "maintenance",
        "Responder status at two later time points",
        "Primary definitions, over the patients evaluable at both time points (a value at {baseline} and at each): "
        "responders at both, lost (a responder at the earlier only), gained (at the later only) and at neither, "
        "with McNemar's exact test of lost against gained.",
        "table_transitions",
        computed_with="study.instruments.<instrument>.responders; statsmodels mcnemar (exact=True)",
        method="methods-transitions",
    ),
    Item(
        "table",
        "attrition",
        "attrition",
        "Completers and non-completers",
        "Characteristics at {baseline} of the patients with any outcome recorded at each later time point "
        "(completers) and of the others: mean ± SD or n (%) of the valid answers, and the standardised mean "
        "difference (completers − non-completers).",
        "table_attrition",
        computed_with="study.timepoints; standardised mean differences (rehab.analysis.attrition)",
        method="methods-attrition",
    ),
    Item(
        "table",
        "subgroups",
        "subgroups",
        "Responders by subgroup",
        "Responders, % ({level}% Wilson confidence interval), over the evaluable patients (n) of each group, "
        "primary definitions. S: suppressed, fewer than {min_group_size} evaluable patients; C: suppressed as "
        "well, so that the responders of an S group cannot be recovered by subtraction (complementary "
        "suppression).",
        "table_subgroups",
        computed_with=f"study.subgroups; analysis.subgroups.min_group_size; {LEVEL}; {WILSON}",
        view="subgroup_grid",
        method="methods-subgroups",
    ),
    Item(
        "figure",
        "subgroups_forest",
        "subgroups",
        "Responders by subgroup",
        "Responder proportions per group and instrument (primary definitions), a marker per time point after "
        "{baseline}, with {level}% Wilson confidence intervals; suppressed groups are marked.",
        "figure_subgroups_forest",
        computed_with=f"analysis/subgroups.csv; analysis.subgroups.min_group_size; {LEVEL}; matplotlib",
        method="methods-subgroups",
    ),
    Item(
        "table",
        "subgroup_associations",
        "subgroup-tests",
        "Subgroup tests of association",
        "Exploratory. Likelihood-ratio test of the association between response (primary definition) and the "
        "subgroup: a logistic regression of response on the subgroup against the intercept-only model, over the "
        "evaluable patients with a value of the subgroup variable. A variable with a suppressed group is not "
        "tested (a dash). p as computed, and Holm-adjusted over the tests shown.",
        "table_subgroups",
        output="associations",
        computed_with=(
            "study.subgroups; analysis.subgroups.min_group_size; statsmodels GLM (binomial family), "
            "likelihood-ratio χ²; statsmodels multipletests (method holm)"
        ),
        method="methods-association",
    ),
    Item(
        "table",
        "response_model",
        "response-model",
        "Response at {last}: a multivariable logistic model",
        "Exploratory. Per instrument, a logistic regression of response (primary definition) at {last} on the "
        "{baseline} value and the baseline covariates, over the evaluable patients with every covariate recorded: "
        "odds ratios with {level}% Wald confidence intervals and p, without adjustment for multiplicity. Numbers "
        "with more than two values per standard deviation (the SD in brackets), categories against their first "
        "level. A model with separation (a group of patients who all or none responded) or without convergence "
        "has no estimates.",
        "table_response_model",
        computed_with=(
            f"analysis.response_model.covariates; analysis.subgroups.min_group_size (categories pooled); {LEVEL}; "
            "statsmodels Logit (Newton)"
        ),
        method="methods-response-model",
        note="A category with fewer than {min_group_size} patients in a model is pooled with the next smallest "
        "category of the same covariate (“or” in its label), decided from the counts of patients alone; a covariate "
        "left with one category is left out.",
    ),
    Item(
        "table",
        "validation_accounting",
        "validation",
        "Rows per file of the export",
        "Rows read, kept and quarantined, and values set missing in kept rows; every row read is either kept or "
        "quarantined. Lines in the file counts every line: the header, blank lines and each line of a record (a "
        "quoted value may span lines).",
        None,
        computed_with="the export's input contract (schemas/raw_export.py; pandera)",
        source="validation/accounting.csv",
        method="methods-validation",
    ),
    Item(
        "table",
        "regression_to_mean",
        "limitations",
        "Baseline value and change",
        "Spearman's ρ between the value at {baseline} and the change from it, over the complete pairs of each "
        "later time point, with its p. Without a control group, a negative ρ is expected from measurement error "
        "alone: part of the change may be regression to the mean.",
        "table_effect_sizes",
        output="regression_to_mean",
        computed_with="scipy.stats.spearmanr",
        method="methods-regression-to-mean",
    ),
)


class ContentsError(ValueError):
    """The declaration is inconsistent (a workflow bug: the message names the entry)."""


def _check(sections: tuple[Section, ...], contents: tuple[Item, ...]) -> None:
    section_ids = [section.id for section in sections]
    problems = [f"section {s} is declared twice" for s in sorted({s for s in section_ids if section_ids.count(s) > 1})]
    keys = [(item.kind, item.name) for item in contents]
    problems += [f"{kind} {name} is declared twice" for kind, name in sorted({k for k in keys if keys.count(k) > 1})]
    for item in contents:
        if item.kind not in KINDS:
            problems.append(f"{item.kind} {item.name}: the kind must be one of {', '.join(KINDS)}")
        if item.section not in section_ids:
            problems.append(f"{item.kind} {item.name}: no section {item.section}")
        if (item.step is None) == (item.source is None):
            problems.append(f"{item.kind} {item.name}: give either the step that writes it or its source file")
        if not item.method:
            problems.append(f"{item.kind} {item.name}: name the methods paragraph that describes it")
        if item.note and item.kind != "table":
            problems.append(f"{item.kind} {item.name}: only a table has a footnote")
    order = [section_ids.index(item.section) for item in contents if item.section in section_ids]
    if order != sorted(order):
        problems.append("the items must be declared in the order of their sections")
    figure_steps = [item.step for item in contents if item.kind == "figure"]
    problems += [f"step {s} draws two figures" for s in sorted({s for s in figure_steps if figure_steps.count(s) > 1})]
    if problems:
        raise ContentsError("the report's declaration (rehab/outputs/contents.py): " + "; ".join(problems))


_check(SECTIONS, CONTENTS)


# ---------------------------------------------------------------- numbers, labels, files


def item(kind: str, name: str) -> Item:
    for entry in CONTENTS:
        if entry.kind == kind and entry.name == name:
            return entry
    raise KeyError(f"{kind} {name}")


def of_kind(kind: str) -> list[Item]:
    return [entry for entry in CONTENTS if entry.kind == kind]


def number(entry: Item) -> int:
    """The item's number: its place among the declared items of its kind, from 1."""
    return of_kind(entry.kind).index(entry) + 1


def label(entry: Item) -> str:
    """`Table 6`, `Figure 4`."""
    return f"{KINDS[entry.kind]} {number(entry)}"


def file_of(entry: Item, suffix: str = ".svg") -> str:
    """The item's file in the cohort folder, carrying its number: `tables/table7_outcomes.csv`,
    `figures/figure4_outcomes.svg` (or `.png` with `suffix`); a source file as declared."""
    if entry.source:
        return entry.source
    if entry.kind == "table":
        return f"tables/table{number(entry)}_{entry.name}.csv"
    return f"figures/figure{number(entry)}_{entry.name}{suffix}"


def of_step(step: str) -> list[Item]:
    """The items a stage step writes, in reading order."""
    return [entry for entry in CONTENTS if entry.step == step]


# ---------------------------------------------------------------- captions filled from the study

MENTION = re.compile(r"\{(table|figure):(\w+)\}")
WORD = re.compile(r"\{(\w+)\}")


def study_words(study: Any, confidence_level: float, min_group_size: int) -> dict[str, str]:
    """The words a title or caption may name, from the cohort's study declaration
    (rehab.core.study.Study) and its settings."""

    def text(timepoints, short=False):
        return join_words([lower_first(t.short_label if short else t.label) for t in timepoints])

    later = [lower_first(t.label) for t in study.followed]
    return {
        "baseline": lower_first(study.baseline.label),
        "timepoints": text(study.timepoints),
        "timepoints_short": text(study.timepoints, short=True),
        "later": text(study.followed),
        "later_each": " and at ".join(later),
        "last": later[-1],
        "instruments": join_words([instrument.short_label for instrument in study.instruments]),
        "level": f"{confidence_level * 100:g}",
        "min_group_size": f"{min_group_size:g}",
    }


def fill(text: str, words: dict[str, str], mention=label) -> str:
    """`text` with its mentions written by `mention` (by default "Table 7") and its study
    words filled in; an unknown word or item is a ContentsError naming it."""

    def mentioned(match: re.Match) -> str:
        try:
            return mention(item(match[1], match[2]))
        except KeyError:
            raise ContentsError(f"{text!r} mentions {match[1]} {match[2]}, which the report does not show") from None

    def word(match: re.Match) -> str:
        if match[1] not in words:
            raise ContentsError(f"{text!r} names {{{match[1]}}}, which is none of {', '.join(sorted(words))}")
        return words[match[1]]

    return WORD.sub(word, MENTION.sub(mentioned, text))


def snakemake_labels(entry: Item, words: dict[str, str]) -> dict[str, str]:
    """The columns of Snakemake's report (`snakemake --report`) for the item: its number,
    title and caption as the HTML report shows them."""
    return {"number": label(entry), "title": fill(entry.title, words), "caption": fill(entry.caption, words)}
