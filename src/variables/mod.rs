//! Template variables: one layout for a fleet of 40 endpoints instead of 40 copies.
//!
//! A layout declares `[variables.NAME]`; queries, legends and titles say `$NAME` or
//! `${NAME}`. The layout is compiled for one [`Selection`]: [`expand`] writes the
//! chosen values into a copy of the parsed file (escaped for where each one goes)
//! and repeats panels with `repeat = "NAME"`, then the ordinary compile step checks
//! and types the result. Changing a value recompiles, and the session refetches
//! only the queries whose text changed.
//!
//! - [`spec`]: what a variable is and where its values come from, checked once;
//! - [`selection`]: what is chosen, from the command line, a saved file or a click;
//! - [`substitute`]: finding `$name` and writing values in, escaped per context;
//! - [`expand`]: the whole layout for one selection;
//! - [`options`]: asking a source for a variable's values;
//! - [`resolve`]: deciding every variable's values, the one way every front end
//!   uses (chained variables in turn, a source with no values said so).

pub(crate) mod expand;
pub mod options;
pub(crate) mod resolve;
pub mod selection;
pub(crate) mod spec;
pub(crate) mod substitute;

pub use selection::{Selected, Selection};
pub use spec::{OptionsQuery, VariableKind, VariableSpec};
