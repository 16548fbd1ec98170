//! Edit mode on screen: the toolbar in the top bar, handles on every panel to
//! move and resize it on the grid, the side form of the selected panel, and the
//! questions a save or a close may need answered. Everything here only queues
//! [`EditCommand`]s; the app's [`Editing`](crate::edit::editing::Editing) does them.

pub(crate) mod dialogs;
pub(crate) mod form;
pub(crate) mod overlay;
pub(crate) mod toolbar;

use crate::dashboard::PanelId;
use crate::layout::GridPos;
use std::collections::HashMap;

/// What edit mode keeps between frames.
#[derive(Default)]
pub(crate) struct EditUiState {
    /// A move or resize in progress: the panel and where it would land.
    pub dragging: Option<(PanelId, GridPos)>,
    /// The form's text fields while they are typed into, by field.
    pub buffers: HashMap<String, String>,
    /// The path typed into "Save as", while that window is open.
    pub save_as: Option<String>,
}
