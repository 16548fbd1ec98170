//! The template variables of a compiled dashboard: what each is and where its
//! values come from, and what is chosen for each.

use std::collections::BTreeMap;

/// One template variable.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableSpec {
    /// `endpoint` for `$endpoint`.
    pub name: String,
    /// Shown before its dropdown.
    pub label: String,
    /// Where its values come from.
    pub kind: VariableKind,
    /// Whether several values may be chosen.
    pub multi: bool,
    /// Whether "All" is offered.
    pub include_all: bool,
    /// Chosen before anyone chooses (`["All"]` for All); empty: the first value.
    pub default: Vec<String>,
}

/// Where a variable's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum VariableKind {
    /// Asked of a source.
    Query {
        /// The source's name.
        source: String,
        /// What to ask it.
        query: OptionsQuery,
    },
    /// Written in the layout.
    Fixed(Vec<String>),
    /// Durations (`1m`, `5m`), checked.
    Interval(Vec<String>),
}

/// What a source is asked for a variable's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionsQuery {
    /// Prometheus `label_values(selector, label)` (selector optional), or the
    /// demo fleet's labels.
    LabelValues {
        /// Only series matching this, e.g. `vllm:num_requests_running{job="vllm"}`.
        selector: Option<String>,
        /// The label whose values are offered.
        label: String,
    },
    /// CloudWatch `ListMetrics`: the values of one dimension.
    DimensionValues {
        /// e.g. `AWS/SageMaker`.
        namespace: String,
        /// Only this metric's dimensions.
        metric: Option<String>,
        /// e.g. `EndpointName`.
        dimension: String,
    },
}

/// What is chosen for one variable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Selected {
    /// Every value ("All").
    All,
    /// These values, in the order chosen (one unless the variable is multi).
    Values(Vec<String>),
}

/// The choice of every variable, by name.
pub type Selection = BTreeMap<String, Selected>;

/// A variable with what is chosen for it.
pub(crate) type Bound = BTreeMap<String, (VariableSpec, Selected)>;

/// What a layout's variables are compiled for: what was chosen, and the values
/// each query variable's source offered (so far).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Choices {
    /// Chosen values, by variable name; a variable absent takes its default.
    pub selection: Selection,
    /// Each query variable's values, once its source answered.
    pub options: BTreeMap<String, Vec<String>>,
}
