//! Derived series, computed in the client from named queries of any sources: cost
//! per 1,000 inferences (spend ÷ invocations), USD per million tokens, burn rates.
//! See [`parse`] for the language and [`eval`] for how steps are aligned.

pub mod eval;
pub mod parse;

pub use eval::{Input, Operand, Output, evaluate};
pub use parse::{Expr, ParseError, parse};
