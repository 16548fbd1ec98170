//! The derived side of a compiled dashboard: a derived query's expression, parsed
//! once, and the on-demand price table `on_demand()` reads.

use std::collections::BTreeMap;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant.
    Number(f64),
    /// Another query's series, by id.
    Query(String),
    /// `-x`.
    Negate(Box<Expr>),
    /// `a op b`.
    Binary(Box<Expr>, Op, Box<Expr>),
    /// `rate(x)`.
    Rate(Box<Expr>),
    /// `sum(x)`: all of x's series added into one.
    Sum(Box<Expr>),
    /// `on_demand(x)`: each series times the hourly on-demand price of its
    /// `instance_type` label.
    OnDemand(Box<Expr>),
    /// `sum_over(x, window)`, window in ms.
    SumOver(Box<Expr>, i64),
    /// `until_month_end()`: seconds from each point to the end of its UTC month.
    UntilMonthEnd,
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// USD per instance-hour by instance type.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// When the shipped prices were taken (`2026-11`).
    pub taken: String,
    /// Their region.
    pub region: String,
    /// Price by instance type.
    pub per_hour: BTreeMap<String, f64>,
}
