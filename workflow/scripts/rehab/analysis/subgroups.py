"""Responder proportions by subgroup (the study's subgroup variables: the levels of a patients
column, bands of a patients column, or bands of an instrument's baseline value), with Wilson
intervals; small groups are suppressed. The responders are those of each instrument's
primary definition. Exploratory: one likelihood-ratio test of association between response
and the subgroup per subgroup variable, instrument and time point (in a single-arm cohort a
test of association, not of an interaction with a treatment), its p shown as computed and
Holm-adjusted over the tests shown (those with a p).

Patients with a missing subgroup variable (or a value outside the declared levels or bands)
take no part in that variable's groups.

Suppression. A group with fewer evaluable patients than min_group_size hides its
responders, percentage and interval (its evaluable n stays), and so does every other group of
its variable (complementary suppression): the responders the published numbers leave
unassigned are then the overall row's, shared by every evaluable patient. Which groups are
hidden is decided from the evaluable counts alone, which are published, so the pattern of
suppression tells nothing about any responder. The test of association is shown only for a
variable none of whose groups is hidden: a test over levels that pool or drop hidden groups
could give their counts away, and whether it does would depend on the responders. What
remains: an overall row of 0 % or 100 % gives every patient's response away by itself
(docs/decisions.md).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from rehab.analysis.outcomes import OutcomePanel
from rehab.analysis.responders import responder_status
from rehab.analysis.stats import wilson_interval
from rehab.core.errors import PipelineError
from rehab.core.formatting import fmt_count, fmt_interval, fmt_number, fmt_p
from rehab.core.privacy import shown
from rehab.core.safe_io import write_csv
from rehab.core.study import Study, Subgroup

SUPPRESSED = "suppressed"
RESULT_COLUMNS = [
    "outcome",
    "outcome_label",
    "timepoint",
    "subgroup",
    "subgroup_label",
    "group",
    "group_label",
    "order",
    "n_evaluable",
    "n_responders",
    "pct",
    "ci_low",
    "ci_high",
    "suppressed",
    "suppression",
]
SMALL, COMPLEMENTARY = "small", "complementary"  # why a group is suppressed
ASSOCIATION_COLUMNS = [
    "outcome",
    "outcome_label",
    "timepoint",
    "subgroup",
    "subgroup_label",
    "levels",
    "lr_chi2",
    "lr_df",
    "p",
    "holm_p",
]


class SubgroupConfigError(PipelineError):
    """A subgroup variable of the study declaration does not fit the clean tables."""


def group_keys(subgroup: Subgroup, values: pd.Series) -> pd.Categorical:
    """Each patient's group key of `subgroup` (missing outside the declared levels or bands)."""
    keys = [group.key for group in subgroup.groups]
    if subgroup.banded:
        edges = [subgroup.groups[0].low, *(group.high for group in subgroup.groups)]
        if not pd.api.types.is_numeric_dtype(values.dtype):
            raise SubgroupConfigError(
                f"config key study.subgroups, subgroup {subgroup.name}: bands need a numeric column, "
                f"{shown(subgroup.column)} is not one; declare `levels` instead"
            )
        banded = pd.cut(values.astype("float64"), bins=edges, right=False, labels=keys)
        return pd.Categorical(banded.astype("object"), categories=keys)
    by_value = {group.value: group.key for group in subgroup.groups}
    return pd.Categorical(values.astype("string").map(by_value).astype("object"), categories=keys)


def subgroup_variables(patients: pd.DataFrame, outcomes: pd.DataFrame | OutcomePanel, study: Study) -> list[tuple]:
    """(key, label, groups indexed by patient_id, group labels) for each subgroup variable."""
    index = pd.Index(patients["patient_id"])
    panel = OutcomePanel.of(outcomes)
    variables = []
    for subgroup in study.subgroups:
        if subgroup.instrument:
            values = panel.aligned(subgroup.instrument, study.baseline.name, patients["patient_id"]).set_axis(index)
        elif subgroup.column in patients.columns:
            values = patients[subgroup.column].set_axis(index)
        else:
            raise SubgroupConfigError(
                f"config key study.subgroups, subgroup {subgroup.name}: column {shown(subgroup.column)} is not a column "
                'of the clean patients table (docs/architecture.md, "The clean tables")'
            )
        groups = pd.Series(group_keys(subgroup, values), index=index)
        variables.append((subgroup.name, subgroup.label, groups, {group.key: group.label for group in subgroup.groups}))
    return variables


def _group_counts(rows: np.ndarray, responder: np.ndarray, groups: pd.Series) -> pd.DataFrame:
    """Evaluable patients and responders per group; `rows`: each evaluable patient's row in
    the patients table (−1 when not a kept patient), `responder` aligned with them."""
    codes = np.append(groups.cat.codes.to_numpy(), -1)[rows]  # −1: no group (or no kept patient)
    grouped = codes >= 0
    size = len(groups.cat.categories)
    return pd.DataFrame(
        {
            "group": groups.cat.categories.astype(str),
            "n_evaluable": np.bincount(codes[grouped], minlength=size).astype("int64"),
            "n_responders": np.bincount(codes[grouped & responder], minlength=size).astype("int64"),
        }
    )


def subgroup_results(
    patients: pd.DataFrame,
    outcomes: pd.DataFrame | OutcomePanel,
    study: Study,
    min_group_size: int,
    confidence_level: float,
) -> pd.DataFrame:
    """One row per instrument × later time point × subgroup × group (the overall row first):
    counts, responder pct and Wilson CI in percent, `suppressed` when n_evaluable <
    min_group_size or to protect such a group (`suppression`: small or complementary; then
    n_responders, pct and CI are missing)."""
    return subgroup_analysis(patients, outcomes, study, min_group_size, confidence_level)[0]


def subgroup_analysis(
    patients: pd.DataFrame,
    outcomes: pd.DataFrame | OutcomePanel,
    study: Study,
    min_group_size: int,
    confidence_level: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """subgroup_results and the tests of association (ASSOCIATION_COLUMNS, one row per
    instrument × later time point × subgroup variable; `holm_p` over the tests with a p)."""
    panel = OutcomePanel.of(outcomes)
    variables = subgroup_variables(patients, panel, study)
    overall = pd.Series(
        pd.Categorical.from_codes(np.zeros(len(patients), dtype=np.int8), categories=["all"]),
        index=pd.Index(patients["patient_id"]),
    )
    row_of_code = np.full(len(panel.ids) + 1, -1)  # each patient code's row in patients (−1: none)
    found = panel.positions(patients["patient_id"])
    row_of_code[found[found >= 0]] = np.flatnonzero(found >= 0)
    frames, tests = [], []
    for instrument in study.instruments:
        codes = panel.values(instrument.name, study.baseline.name)[0]  # the rows of every status below
        for timepoint in study.followed:
            status = responder_status(panel, instrument, timepoint.name, study.baseline.name)
            evaluable = status["evaluable"].to_numpy()
            rows, responder = row_of_code[codes[evaluable]], status["responder"].to_numpy()[evaluable]
            for key, label, groups, group_labels in [
                ("overall", "All patients", overall, {"all": "All patients"})
            ] + variables:
                counts = _group_counts(rows, responder, groups)
                n, k = counts["n_evaluable"].to_numpy(), counts["n_responders"].to_numpy()
                counts["suppression"] = suppression(n, int(min_group_size))
                counts.insert(0, "outcome", instrument.name)
                counts.insert(1, "outcome_label", instrument.label)
                counts.insert(2, "timepoint", timepoint.name)
                counts.insert(3, "subgroup", key)
                counts.insert(4, "subgroup_label", label)
                counts["group_label"] = counts["group"].map(group_labels)
                counts["order"] = np.arange(len(counts), dtype="int64")
                frames.append(counts)
                if key != "overall":
                    chi2, df, p, levels = association_test(n, k, counts["suppression"].to_numpy() != "")
                    tests.append(
                        {
                            "outcome": instrument.name,
                            "outcome_label": instrument.label,
                            "timepoint": timepoint.name,
                            "subgroup": key,
                            "subgroup_label": label,
                            "levels": levels,
                            "lr_chi2": chi2,
                            "lr_df": df,
                            "p": p,
                        }
                    )
    results = pd.concat(frames, ignore_index=True)
    tests = pd.DataFrame(tests, columns=ASSOCIATION_COLUMNS[:-1])
    return _with_proportions(results, confidence_level), tests.assign(holm_p=holm_adjusted(tests["p"]))


def suppression(n: np.ndarray, min_group_size: int) -> np.ndarray:
    """Per group "" (shown), SMALL (n_evaluable < min_group_size) or COMPLEMENTARY: where a
    small group holds patients, every other group of the variable is hidden too. The responders
    the published numbers then leave unassigned are the overall row's, shared by every
    evaluable patient, so a small group's count follows from them only when the overall row
    gives every patient's response away by itself (0 % or 100 %). A partial complement leaves
    a pool (the hidden groups and the patients without the variable) whose responders are
    published by subtraction, and a pool that all responded, or none, gives its groups away.
    From the evaluable counts alone: no responder decides it."""
    reason = np.where(n < min_group_size, SMALL, "").astype(object)
    if ((reason == SMALL) & (n > 0)).any():
        reason[reason == ""] = COMPLEMENTARY
    return reason


def association_test(
    n: np.ndarray, k: np.ndarray, hidden: np.ndarray
) -> tuple[float | None, int | None, float | None, int]:
    """Likelihood-ratio test of a logistic regression of response on the subgroup against the
    intercept-only model (statsmodels GLM, binomial, on the group counts; the patients without
    the subgroup variable left out), over the groups that hold patients. Returns (chi2, df, p,
    levels); no statistic (None) when fewer than two groups hold patients, or when any group
    is `hidden` (the test would give hidden counts away)."""
    # the GLM alone: statsmodels.api loads every model and takes a second longer
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    present = n > 0
    levels = int(present.sum())
    if levels < 2 or hidden.any():
        return None, None, None, levels
    endog = np.column_stack([k[present], n[present] - k[present]]).astype("float64")
    full = np.eye(levels)
    null = np.ones((levels, 1))
    with warnings.catch_warnings():
        # a level with 0% or 100% responders sends its coefficient to infinity; the
        # likelihood still converges to its supremum, which the test needs
        warnings.simplefilter("ignore")
        family = families.Binomial()
        llf_full = GLM(endog, full, family=family).fit().llf
        llf_null = GLM(endog, null, family=family).fit().llf
    chi2 = max(2.0 * (llf_full - llf_null), 0.0)
    df = levels - 1
    from scipy import stats as scipy_stats

    return float(chi2), df, float(scipy_stats.chi2.sf(chi2, df)), levels


def _with_proportions(results: pd.DataFrame, confidence_level: float) -> pd.DataFrame:
    suppressed = results["suppression"].to_numpy() != ""
    n, k = results["n_evaluable"].to_numpy(dtype="float64"), results["n_responders"].to_numpy(dtype="float64")
    low, high = wilson_interval(k, n, confidence_level)
    pct = np.divide(k * 100.0, n, out=np.full_like(n, np.nan), where=n > 0)
    hide = suppressed | (n == 0)
    results["pct"] = np.where(hide, np.nan, pct)
    results["ci_low"] = np.where(hide, np.nan, low)
    results["ci_high"] = np.where(hide, np.nan, high)
    results["n_responders"] = pd.array(np.where(suppressed, np.nan, k), dtype="Float64").astype("Int64")
    results["suppressed"] = suppressed
    return results[RESULT_COLUMNS]


def subgroup_numbers(results: pd.DataFrame) -> dict:
    """`subgroups.<outcome>.<timepoint>.<subgroup>.<group>.n_evaluable|n_responders|pct|
    ci_low|ci_high|suppressed` (suppressed: 1 or 0; hidden values empty)."""
    numbers: dict = {}
    for row in results.itertuples(index=False):  # one per group (a few hundred), not per patient
        prefix = f"subgroups.{row.outcome}.{row.timepoint}.{row.subgroup}.{row.group}"
        numbers[f"{prefix}.n_evaluable"] = int(row.n_evaluable)
        numbers[f"{prefix}.n_responders"] = None if pd.isna(row.n_responders) else int(row.n_responders)
        for stat in ("pct", "ci_low", "ci_high"):
            value = getattr(row, stat)
            numbers[f"{prefix}.{stat}"] = None if pd.isna(value) else float(value)
        numbers[f"{prefix}.suppressed"] = int(bool(row.suppressed))
        numbers[f"{prefix}.suppressed_complementary"] = int(row.suppression == COMPLEMENTARY)
    return numbers


def holm_adjusted(p: pd.Series) -> pd.Series:
    """Holm's step-down adjustment of the p-values that exist (statsmodels `multipletests`,
    method "holm"), over that family; missing where no p."""
    adjusted = pd.Series(np.nan, index=p.index, dtype="float64")
    present = p.notna().to_numpy()
    if present.any():
        from statsmodels.stats.multitest import multipletests

        adjusted[present] = multipletests(p[present].to_numpy(dtype="float64"), method="holm")[1]
    return adjusted


def association_numbers(tests: pd.DataFrame) -> dict:
    """`subgroups.<outcome>.<timepoint>.<subgroup>.interaction_p|holm_p|lr_chi2|lr_df|levels`
    (the test of association; the keys keep the name `interaction_p` for their readers) and
    `subgroups.n_interaction_tests` (the tests with a p-value: Holm's family);
    `subgroups.n_estimates` is added by the caller."""
    numbers: dict = {}
    for row in tests.itertuples(index=False):  # one per subgroup variable, instrument and time point
        prefix = f"subgroups.{row.outcome}.{row.timepoint}.{row.subgroup}"
        numbers[f"{prefix}.interaction_p"] = None if pd.isna(row.p) else float(row.p)
        numbers[f"{prefix}.holm_p"] = None if pd.isna(row.holm_p) else float(row.holm_p)
        numbers[f"{prefix}.lr_chi2"] = None if pd.isna(row.lr_chi2) else float(row.lr_chi2)
        numbers[f"{prefix}.lr_df"] = None if pd.isna(row.lr_df) else int(row.lr_df)
        numbers[f"{prefix}.levels"] = int(row.levels)
    numbers["subgroups.n_interaction_tests"] = int(tests["p"].notna().sum())
    return numbers


def summary_numbers(results: pd.DataFrame) -> dict:
    """`subgroups.n_estimates` (group proportions shown, overall rows aside) and
    `subgroups.n_suppressed_small|n_suppressed_complementary`."""
    groups = results[results["subgroup"] != "overall"]
    return {
        "subgroups.n_estimates": int(groups["pct"].notna().sum()),
        "subgroups.n_suppressed_small": int((groups["suppression"] == SMALL).sum()),
        "subgroups.n_suppressed_complementary": int((groups["suppression"] == COMPLEMENTARY).sum()),
    }


def associations_table(tests: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Display: outcome, timepoint, subgroup, levels, lr_chi2, lr_df, p, holm_p."""
    labels = {timepoint.name: timepoint.label for timepoint in study.timepoints}
    return pd.DataFrame(
        {
            "outcome": tests["outcome_label"],
            "timepoint": tests["timepoint"].map(labels),
            "subgroup": tests["subgroup_label"],
            "levels": tests["levels"].map(fmt_count),
            "lr_chi2": [fmt_number(None if pd.isna(v) else v, 2) for v in tests["lr_chi2"]],
            "lr_df": [fmt_count(None if pd.isna(v) else v) for v in tests["lr_df"]],
            "p": [fmt_p(None if pd.isna(v) else v) for v in tests["p"]],
            "holm_p": [fmt_p(None if pd.isna(v) else v) for v in tests["holm_p"]],
        }
    )


def subgroups_table(results: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Display: outcome, timepoint, subgroup, group, n_evaluable, n_responders, pct, ci;
    a suppressed group shows `suppressed` instead of its responders, percentage and CI."""
    table = pd.DataFrame(
        {
            "outcome": results["outcome_label"],
            "timepoint": results["timepoint"].map({timepoint.name: timepoint.label for timepoint in study.timepoints}),
            "subgroup": results["subgroup_label"],
            "group": results["group_label"],
            "n_evaluable": results["n_evaluable"].map(fmt_count),
            "n_responders": [fmt_count(None if pd.isna(v) else v) for v in results["n_responders"]],
            "pct": [fmt_number(None if pd.isna(v) else v, 0) for v in results["pct"]],
            "ci": [
                fmt_interval(None if pd.isna(a) else a, None if pd.isna(b) else b, 0)
                for a, b in zip(results["ci_low"], results["ci_high"], strict=False)
            ],
        }
    )
    hidden = results["suppressed"].to_numpy()
    table.loc[hidden, ["n_responders", "pct", "ci"]] = SUPPRESSED
    complementary = (results["suppression"] == COMPLEMENTARY).to_numpy()
    table.loc[complementary, ["n_responders", "pct", "ci"]] = f"{SUPPRESSED} (complementary)"
    return table


def write_results(results: pd.DataFrame, path) -> None:
    """The machine-readable results (for the forest plot): full precision, empty when hidden."""
    out = results.copy()
    out["suppressed"] = out["suppressed"].map({True: "true", False: "false"})
    write_csv(out, path)
