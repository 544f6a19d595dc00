//! Why a group operation failed, in words for the log and the user.

/// A group operation failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError {
    #[error("no end-to-end encrypted group for this conversation yet")]
    NoGroup,
    #[error("not a valid group message: {0}")]
    Malformed(String),
    #[error("this message belongs to another group or an epoch we do not have")]
    OutOfSync,
    #[error("already read")]
    Duplicate,
    /// The message came too far out of order to open (its keys are gone or not yet
    /// derived); the group itself is fine.
    #[error("this message came too far out of order to be read")]
    OutOfOrder,
    /// Opened and authentic, but of a kind this version does not know (a newer app's);
    /// the group itself is fine.
    #[error("a message this version cannot show (a newer Severus may)")]
    UnknownContent,
    #[error("the key package is not acceptable: {0}")]
    BadKeyPackage(String),
    #[error("a group credential does not say who it is")]
    BadCredential,
    #[error("the saved group state is damaged: {0}")]
    Corrupt(String),
    #[error("group operation failed: {0}")]
    Mls(String),
}

/// Turns any openmls error into `GroupError::Mls` with its text.
pub(crate) fn mls<E: std::fmt::Debug>(e: E) -> GroupError {
    GroupError::Mls(format!("{e:?}"))
}
