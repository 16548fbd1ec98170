//! Undo and redo across a whole editing session: each step keeps the document's
//! text before it, so undo restores exactly what was there, comments included.

/// The texts to go back and forth between.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    undo: Vec<String>,
    redo: Vec<String>,
}

/// Steps kept; older ones are forgotten (a layout is a few kB, so this is ~MBs).
pub(crate) const MAX_STEPS: usize = 500;

impl History {
    /// Records that the document was `before` until an edit changed it.
    pub(crate) fn record(&mut self, before: String) {
        self.undo.push(before);
        if self.undo.len() > MAX_STEPS {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// The text to go back to from `current`, if any.
    pub(crate) fn undo(&mut self, current: String) -> Option<String> {
        let previous = self.undo.pop()?;
        self.redo.push(current);
        Some(previous)
    }

    /// The text to go forward to from `current`, if any.
    pub(crate) fn redo(&mut self, current: String) -> Option<String> {
        let next = self.redo.pop()?;
        self.undo.push(current);
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_and_redo_walk_the_texts_and_a_new_edit_drops_the_redos() {
        let mut history = History::default();
        history.record("a".into());
        history.record("b".into());
        assert_eq!(history.undo("c".into()).as_deref(), Some("b"));
        assert_eq!(history.undo("b".into()).as_deref(), Some("a"));
        assert_eq!(history.undo("a".into()), None);
        assert_eq!(history.redo("a".into()).as_deref(), Some("b"));
        history.record("b".into());
        assert_eq!(history.redo("c".into()), None);
    }
}
