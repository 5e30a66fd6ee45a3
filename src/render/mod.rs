//! Renderers: one module per output format, each a [`Reporter`](crate::check::Reporter).

pub mod human;
pub mod json;

use std::io::Write;

use crate::check::Reporter;

/// The output formats of `closeout check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// How human output looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Columns to wrap at.
    pub width: usize,
}

/// The reporter for a format, writing to `out`.
pub fn reporter<'w>(
    format: Format,
    style: Style,
    out: Box<dyn Write + 'w>,
) -> Box<dyn Reporter + 'w> {
    match format {
        Format::Human => Box::new(human::HumanReporter::new(out, style)),
        Format::Json => Box::new(json::JsonReporter::new(out)),
    }
}
