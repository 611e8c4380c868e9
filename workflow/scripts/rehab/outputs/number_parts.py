"""The parts of numbers.csv, in the order they are joined: one fragment (`numbers/<part>.csv`)
each, written by the table stages. Standard library only, so the workflow's DAG (numbers.smk)
reads the same list as rehab.outputs.numbers without loading the data stack."""

PARTS = (
    "flow",
    "baseline",
    "interventions",
    "program",
    "outcomes",
    "effect_sizes",
    "regression_to_mean",
    "mixed_models",
    "instrument_flow",
    "responders",
    "transitions",
    "response_model",
    "subgroups",
    "attrition",
    "maintenance",
    "maintenance_margin",
    "validation",
    "missing_data",
)
