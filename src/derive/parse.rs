//! The derived-series expression language, parsed.
//!
//! ```text
//! expr     := term (('+' | '-') term)*
//! term     := unary (('*' | '/') unary)*
//! unary    := '-' unary | primary
//! primary  := NUMBER | NAME | NAME '(' args ')' | '(' expr ')'
//! args     := expr (',' (expr | DURATION))*
//! ```
//! `NAME` is the `id` of another query of the same panel; functions are `rate(x)`
//! (per-second rate of a counter or running total), `sum(x)` (all of x's series
//! added into one), `on_demand(x)` (each series times the hourly on-demand price
//! of its `instance_type`), `sum_over(x, 1h)` (the sum of
//! `x` over the trailing window) and `until_month_end()` (seconds left in the UTC
//! month at each point, for forecasts). Numbers may use `_` (`1_000`).

pub(crate) use crate::dashboard::derive::{Expr, Op};
use std::fmt;

/// Why an expression could not be read, with the 1-based column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// 1-based column of the problem.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl Expr {
    /// The query ids the expression reads, in order of first use.
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Number(_) | Expr::UntilMonthEnd => {}
            Expr::Query(name) => {
                if !out.contains(&name.as_str()) {
                    out.push(name);
                }
            }
            Expr::Negate(x)
            | Expr::Rate(x)
            | Expr::Sum(x)
            | Expr::OnDemand(x)
            | Expr::SumOver(x, _) => x.collect_names(out),
            Expr::Binary(a, _, b) => {
                a.collect_names(out);
                b.collect_names(out);
            }
        }
    }
}

/// Parses `text`.
pub(crate) fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser {
        chars: text.char_indices().collect(),
        at: 0,
        depth: 0,
    };
    let expr = parser.expr()?;
    parser.skip_spaces();
    if let Some(&(i, c)) = parser.chars.get(parser.at) {
        return Err(ParseError {
            column: i + 1,
            message: format!("unexpected `{c}`"),
        });
    }
    Ok(expr)
}

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

struct Parser {
    chars: Vec<(usize, char)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn column(&self) -> usize {
        self.chars.get(self.at).map_or_else(
            || self.chars.last().map_or(1, |&(i, _)| i + 2),
            |&(i, _)| i + 1,
        )
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            column: self.column(),
            message: message.into(),
        })
    }

    fn skip_spaces(&mut self) {
        while self
            .chars
            .get(self.at)
            .is_some_and(|&(_, c)| c.is_whitespace())
        {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_spaces();
        self.chars.get(self.at).map(|&(_, c)| c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.error("expression nested too deeply");
        }
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Some('+') => Op::Add,
                Some('-') => Op::Sub,
                _ => break,
            };
            self.at += 1;
            let right = self.term()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some('*') => Op::Mul,
                Some('/') => Op::Div,
                _ => break,
            };
            self.at += 1;
            let right = self.unary()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat('-') {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return self.error("expression nested too deeply");
            }
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Negate(Box::new(inner)));
        }
        self.primary()
    }

    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(&(_, c)) = self.chars.get(self.at) {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                word.push(c);
                self.at += 1;
            } else {
                break;
            }
        }
        word
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            None => self.error("expression ends too early"),
            Some('(') => {
                self.at += 1;
                let inner = self.expr()?;
                if !self.eat(')') {
                    return self.error("expected `)`");
                }
                Ok(inner)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let column = self.column();
                let word = self.word();
                word.replace('_', "")
                    .parse::<f64>()
                    .map(Expr::Number)
                    .map_err(|_| ParseError {
                        column,
                        message: format!("`{word}` is not a number"),
                    })
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let column = self.column();
                let name = self.word();
                if !self.eat('(') {
                    return Ok(Expr::Query(name));
                }
                if name == "until_month_end" {
                    if !self.eat(')') {
                        return self.error("until_month_end takes no arguments");
                    }
                    return Ok(Expr::UntilMonthEnd);
                }
                let argument = self.expr()?;
                let call = match name.as_str() {
                    "rate" => Expr::Rate(Box::new(argument)),
                    "sum" => Expr::Sum(Box::new(argument)),
                    "on_demand" => Expr::OnDemand(Box::new(argument)),
                    "sum_over" => {
                        if !self.eat(',') {
                            return self.error("sum_over needs a window: sum_over(x, 1h)");
                        }
                        self.skip_spaces();
                        let window_column = self.column();
                        let window = self.word();
                        let ms = crate::time_range::parse_duration(&window)
                            .map_err(|_| ParseError {
                                column: window_column,
                                message: format!("`{window}` is not a window like 1h or 30m"),
                            })?
                            .as_millis() as i64;
                        if ms <= 0 {
                            return Err(ParseError {
                                column: window_column,
                                message: "the window must be longer than zero".to_owned(),
                            });
                        }
                        Expr::SumOver(Box::new(argument), ms)
                    }
                    other => {
                        return Err(ParseError {
                            column,
                            message: format!(
                                "unknown function `{other}`: use rate, sum, sum_over, on_demand or until_month_end"
                            ),
                        });
                    }
                };
                if !self.eat(')') {
                    return self.error("expected `)`");
                }
                Ok(call)
            }
            Some(c) => self.error(format!("unexpected `{c}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_functions() {
        let e = parse("spend / (calls / 1_000)").unwrap();
        assert_eq!(e.names(), ["spend", "calls"]);
        assert!(matches!(e, Expr::Binary(_, Op::Div, _)));
        let e = parse("rate(spend) * 3600 - -1").unwrap();
        assert!(matches!(e, Expr::Binary(_, Op::Sub, _)));
        let e = parse("sum_over(tokens, 1h)").unwrap();
        assert_eq!(
            e,
            Expr::SumOver(Box::new(Expr::Query("tokens".into())), 3_600_000)
        );
    }

    #[test]
    fn errors_point_at_the_column() {
        assert_eq!(parse("a + * b").unwrap_err().column, 5);
        assert_eq!(
            parse("avg(x)").unwrap_err().message,
            "unknown function `avg`: use rate, sum, sum_over, on_demand or until_month_end"
        );
        assert_eq!(parse("(a + b").unwrap_err().message, "expected `)`");
        assert_eq!(parse("sum_over(x, soon)").unwrap_err().column, 13);
    }
}
