//! Packing many panel queries into few `GetMetricData` calls.
//!
//! CloudWatch bills every metric requested and takes at most 500 queries a call, so
//! every query of every panel on one source and time window goes into one plan:
//! identical metrics are asked for once, a metric-math expression travels in the
//! same call as the metrics it reads (they are sent with `ReturnData = false` when
//! nothing shows them), and calls are filled up to the limit.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One metric's dimensions as name and value pairs, sorted by name.
pub(crate) type DimensionSet = Vec<(String, String)>;

/// Most queries CloudWatch accepts in one `GetMetricData` call.
pub(crate) const MAX_QUERIES_PER_CALL: usize = 500;

/// One thing asked of CloudWatch; equal entries are requested once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Entry {
    /// One metric's statistic.
    Stat {
        /// e.g. `AWS/SageMaker`.
        namespace: String,
        /// e.g. `ModelLatency`.
        metric: String,
        /// Name and value pairs, sorted by name.
        dimensions: Vec<(String, String)>,
        /// `Average`, `p99`, …
        stat: String,
        /// Seconds.
        period_s: i32,
    },
    /// Metric math; other entries appear in it as `q<index>`.
    Expression {
        /// The expression with ids already rewritten to batch ids.
        expression: String,
        /// Seconds.
        period_s: i32,
    },
    /// A Metrics Insights query.
    Sql {
        /// The `SELECT …` text.
        sql: String,
        /// Seconds.
        period_s: i32,
    },
}

impl Entry {
    /// Whether CloudWatch bills this entry as a metric requested.
    pub(crate) fn is_metric(&self) -> bool {
        !matches!(self, Entry::Expression { .. })
    }
}

/// The id an entry has in every call: `q` and its index (CloudWatch ids start with
/// a lower-case letter).
pub(crate) fn entry_id(index: usize) -> String {
    format!("q{index}")
}

/// The index behind an id made by [`entry_id`].
pub(crate) fn entry_index(id: &str) -> Option<usize> {
    id.strip_prefix('q')?.parse().ok()
}

/// One `GetMetricData` call: which entries it carries and which it returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Call {
    /// Entry indices, ascending.
    pub entries: BTreeSet<usize>,
    /// Entries whose data is wanted from this call (the rest feed expressions).
    pub returned: BTreeSet<usize>,
}

impl Call {
    /// Metrics this call is billed for.
    pub(crate) fn metrics(&self, entries: &[Entry]) -> usize {
        self.entries
            .iter()
            .filter(|&&i| entries[i].is_metric())
            .count()
    }
}

/// Builds a [`BatchPlan`]: intern entries, then pack.
#[derive(Debug, Default)]
pub(crate) struct Planner {
    entries: Vec<Entry>,
    index: HashMap<Entry, usize>,
    /// What each entry reads (expressions only).
    depends_on: BTreeMap<usize, Vec<usize>>,
    /// Per request, the entries whose data it shows.
    targets: Vec<Result<Vec<usize>, String>>,
}

impl Planner {
    /// An empty planner.
    pub(crate) fn new() -> Planner {
        Planner::default()
    }

    /// The index of `entry`, adding it if new; `reads` are the entries an
    /// expression refers to.
    pub(crate) fn intern(&mut self, entry: Entry, reads: Vec<usize>) -> usize {
        if let Some(&index) = self.index.get(&entry) {
            return index;
        }
        let index = self.entries.len();
        self.index.insert(entry.clone(), index);
        self.entries.push(entry);
        if !reads.is_empty() {
            self.depends_on.insert(index, reads);
        }
        index
    }

    /// Adds the next request: the entries whose data it shows (none for a hidden
    /// query), or why it cannot be asked.
    pub(crate) fn add_request(&mut self, targets: Result<Vec<usize>, String>) {
        self.targets.push(targets);
    }

    /// Packs the requests into calls of at most `max_per_call` entries.
    pub(crate) fn plan(self, max_per_call: usize) -> BatchPlan {
        let mut calls: Vec<Call> = Vec::new();
        let mut current = Call::default();
        let mut placed: HashMap<usize, usize> = HashMap::new(); // entry → call returning it
        let mut requests = Vec::with_capacity(self.targets.len());
        for targets in self.targets {
            let targets = match targets {
                Ok(targets) => targets,
                Err(message) => {
                    requests.push(Err(message));
                    continue;
                }
            };
            let mut problem = None;
            for &target in &targets {
                if placed.contains_key(&target) {
                    continue; // identical query already asked for: read that answer
                }
                let closure = closure_of(target, &self.depends_on);
                if closure.len() > max_per_call {
                    problem = Some(format!(
                        "an expression that reads {} queries does not fit in one call (at most {max_per_call})",
                        closure.len()
                    ));
                    break;
                }
                let new = closure.difference(&current.entries).count();
                if current.entries.len() + new > max_per_call && !current.entries.is_empty() {
                    calls.push(std::mem::take(&mut current));
                }
                current.entries.extend(closure);
                current.returned.insert(target);
                placed.insert(target, calls.len());
            }
            requests.push(match problem {
                Some(message) => Err(message),
                None => Ok(targets),
            });
        }
        if !current.entries.is_empty() {
            calls.push(current);
        }
        BatchPlan {
            entries: self.entries,
            calls,
            requests,
            placed,
            depends_on: self.depends_on,
        }
    }
}

/// An entry and everything it reads, transitively.
fn closure_of(entry: usize, depends_on: &BTreeMap<usize, Vec<usize>>) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![entry];
    while let Some(next) = stack.pop() {
        if seen.insert(next) {
            stack.extend(depends_on.get(&next).into_iter().flatten().copied());
        }
    }
    seen
}

/// The calls to make and how their answers map back to requests.
#[derive(Debug)]
pub(crate) struct BatchPlan {
    /// Every distinct entry.
    pub entries: Vec<Entry>,
    /// The calls, in order.
    pub calls: Vec<Call>,
    /// Per request (in the order added): the entries it shows, or why it can't be asked.
    pub requests: Vec<Result<Vec<usize>, String>>,
    /// Which call returns each entry.
    pub placed: HashMap<usize, usize>,
    /// What each expression entry reads.
    depends_on: BTreeMap<usize, Vec<usize>>,
}

impl BatchPlan {
    /// Metrics billed over all calls (a metric repeated in two calls counts twice).
    pub(crate) fn metrics_requested(&self) -> usize {
        self.calls.iter().map(|c| c.metrics(&self.entries)).sum()
    }

    /// One call per entry `call` returns, each with what it reads. CloudWatch
    /// refuses a whole call for one malformed expression; asking again piece by
    /// piece lets the bad query fail alone and the rest of the layout load.
    pub(crate) fn split(&self, call: &Call) -> Vec<Call> {
        call.returned
            .iter()
            .map(|&target| Call {
                entries: closure_of(target, &self.depends_on),
                returned: BTreeSet::from([target]),
            })
            .collect()
    }
}

/// A piece of a metric math expression: an identifier, or anything else (numbers,
/// operators, string literals with their quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// Letters, digits and `_`, starting with a letter or `_`.
    Word(String),
    /// Everything between words, copied as written.
    Other(String),
}

/// Splits an expression into words and the text between them; string literals
/// (SEARCH terms) are kept whole inside `Other`, escapes included.
pub(crate) fn tokens(expression: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut other = String::new();
    let mut chars = expression.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c == '"' || c == '\'' {
            other.push(c);
            let mut escaped = false;
            for (_, inner) in chars.by_ref() {
                other.push(inner);
                if escaped {
                    escaped = false;
                } else if inner == '\\' {
                    escaped = true;
                } else if inner == c {
                    break;
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if next.is_ascii_alphanumeric() || next == '_' {
                    end = i + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            if !other.is_empty() {
                out.push(Token::Other(std::mem::take(&mut other)));
            }
            out.push(Token::Word(expression[start..end].to_owned()));
        } else {
            other.push(c);
        }
    }
    if !other.is_empty() {
        out.push(Token::Other(other));
    }
    out
}

/// The identifiers an expression refers to, in order of first use.
pub(crate) fn referenced_ids(expression: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for token in tokens(expression) {
        if let Token::Word(word) = token
            && !found.contains(&word)
        {
            found.push(word);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(metric: &str, endpoint: &str) -> Entry {
        Entry::Stat {
            namespace: "AWS/SageMaker".to_owned(),
            metric: metric.to_owned(),
            dimensions: vec![("EndpointName".to_owned(), endpoint.to_owned())],
            stat: "p99".to_owned(),
            period_s: 60,
        }
    }

    #[test]
    fn identical_queries_are_requested_once() {
        let mut planner = Planner::new();
        for _ in 0..3 {
            let index = planner.intern(stat("ModelLatency", "llm-prod"), vec![]);
            planner.add_request(Ok(vec![index]));
        }
        let plan = planner.plan(MAX_QUERIES_PER_CALL);
        assert_eq!(plan.calls.len(), 1);
        assert_eq!(plan.metrics_requested(), 1);
        assert!(plan.requests.iter().all(|r| r == &Ok(vec![0])));
    }

    #[test]
    fn more_than_five_hundred_queries_take_more_calls() {
        let mut planner = Planner::new();
        for n in 0..1_201 {
            let index = planner.intern(stat("ModelLatency", &format!("endpoint-{n}")), vec![]);
            planner.add_request(Ok(vec![index]));
        }
        let plan = planner.plan(MAX_QUERIES_PER_CALL);
        let sizes: Vec<usize> = plan.calls.iter().map(|c| c.entries.len()).collect();
        assert_eq!(sizes, vec![500, 500, 201]);
        assert_eq!(plan.metrics_requested(), 1_201);
    }

    #[test]
    fn an_expression_travels_with_what_it_reads() {
        let mut planner = Planner::new();
        // Fill a call to one short of the limit, then add an expression over two
        // metrics: all three must move to the next call together.
        for n in 0..4 {
            let index = planner.intern(stat("Invocations", &format!("e{n}")), vec![]);
            planner.add_request(Ok(vec![index]));
        }
        let errors = planner.intern(stat("Invocation5XXErrors", "e0"), vec![]);
        let total = planner.intern(stat("Invocations", "e0"), vec![]);
        let ratio = planner.intern(
            Entry::Expression {
                expression: format!("100 * {} / {}", entry_id(errors), entry_id(total)),
                period_s: 60,
            },
            vec![errors, total],
        );
        planner.add_request(Ok(vec![ratio]));
        let plan = planner.plan(5);
        assert_eq!(plan.calls.len(), 2);
        let second = &plan.calls[1];
        assert!(second.entries.contains(&ratio) && second.entries.contains(&errors));
        // `Invocations e0` is shown by a panel in call 1 and read again in call 2.
        assert!(second.entries.contains(&total));
        assert_eq!(second.returned, BTreeSet::from([ratio]));
        assert_eq!(plan.placed[&total], 0);
    }

    #[test]
    fn a_refused_call_splits_into_one_call_per_shown_query() {
        let mut planner = Planner::new();
        let errors = planner.intern(stat("Invocation5XXErrors", "e0"), vec![]);
        let total = planner.intern(stat("Invocations", "e0"), vec![]);
        let ratio = planner.intern(
            Entry::Expression {
                expression: format!("{} / {}", entry_id(errors), entry_id(total)),
                period_s: 60,
            },
            vec![errors, total],
        );
        let latency = planner.intern(stat("ModelLatency", "e0"), vec![]);
        planner.add_request(Ok(vec![ratio]));
        planner.add_request(Ok(vec![latency]));
        let plan = planner.plan(MAX_QUERIES_PER_CALL);
        assert_eq!(plan.calls.len(), 1);
        let parts = plan.split(&plan.calls[0]);
        assert_eq!(
            parts,
            vec![
                Call {
                    entries: BTreeSet::from([errors, total, ratio]),
                    returned: BTreeSet::from([ratio]),
                },
                Call {
                    entries: BTreeSet::from([latency]),
                    returned: BTreeSet::from([latency]),
                },
            ]
        );
    }

    #[test]
    fn hidden_queries_nobody_reads_are_not_requested() {
        let mut planner = Planner::new();
        let _unused = planner.intern(stat("ModelLatency", "a"), vec![]);
        planner.add_request(Ok(vec![]));
        let plan = planner.plan(MAX_QUERIES_PER_CALL);
        assert!(plan.calls.is_empty());
        assert_eq!(plan.metrics_requested(), 0);
    }

    #[test]
    fn words_are_told_apart_from_functions_arguments_and_strings() {
        let words = |text: &str| -> Vec<String> {
            tokens(text)
                .into_iter()
                .filter_map(|t| match t {
                    Token::Word(w) => Some(w),
                    Token::Other(_) => None,
                })
                .collect()
        };
        assert_eq!(
            words("FILL(m1, 0) / errors * 100"),
            ["FILL", "m1", "errors"]
        );
        assert_eq!(words("SEARCH('{AWS/SageMaker} m1', 'Sum')"), ["SEARCH"]);
        // Nothing is lost between the pieces.
        let text = "SEARCH('{AWS/SageMaker} m1', 'Sum') + m2";
        let joined: String = tokens(text)
            .into_iter()
            .map(|t| match t {
                Token::Word(w) | Token::Other(w) => w,
            })
            .collect();
        assert_eq!(joined, text);
        assert_eq!(referenced_ids("m1 + m2 * m1"), vec!["m1", "m2"]);
    }
}
