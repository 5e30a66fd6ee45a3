//! Why an input could not be checked, and where in its text.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Code, Source, Span};

/// What went wrong with one input. A batch reports it and goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorKind {
    /// The path could not be read (missing, not a regular file, over a size
    /// limit), or held no snapshots.
    Unreadable,
    /// The bytes are not UTF-8 text (UTF-16 and UTF-32 are named as such).
    Encoding,
    /// The text is not JSON, or an object repeats a member name.
    Syntax,
    /// The JSON breaks the snapshot contract.
    Schema,
    /// No loaded policy pack serves the snapshot's provider.
    UnknownProvider,
    /// A policy failed while evaluating this snapshot.
    Policy,
}

impl ErrorKind {
    /// The diagnostic code of this kind of input error.
    pub fn code(&self) -> Code {
        match self {
            ErrorKind::Unreadable => Code::InputUnreadable,
            ErrorKind::Encoding => Code::InputEncoding,
            ErrorKind::Syntax => Code::InputSyntax,
            ErrorKind::Schema => Code::InputSchema,
            ErrorKind::UnknownProvider => Code::InputUnknownProvider,
            ErrorKind::Policy => Code::InputPolicyFailure,
        }
    }
}

/// An input that could not be checked, with where in the file the trouble is.
#[derive(Debug, Clone)]
pub struct InputError {
    pub source: Source,
    pub kind: ErrorKind,
    pub message: String,
    /// 1-based line and column, when the trouble has a position.
    pub position: Option<(usize, usize)>,
    /// The text and the span to show, when there is a snippet to show.
    pub text: Option<Arc<str>>,
    pub span: Option<Span>,
    /// The snapshot's identity, when it got far enough to have one.
    pub snapshot_id: Option<String>,
    pub provider: Option<String>,
}

impl InputError {
    pub fn new(source: impl Into<Source>, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            kind,
            message: message.into(),
            position: None,
            text: None,
            span: None,
            snapshot_id: None,
            provider: None,
        }
    }

    /// The diagnostic code ([`ErrorKind::code`]).
    pub fn code(&self) -> Code {
        self.kind.code()
    }

    /// Sets the 1-based line and column, with no snippet.
    pub fn at_position(mut self, line: usize, column: usize) -> Self {
        self.position = Some((line, column));
        self
    }
}
