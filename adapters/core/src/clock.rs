//! The one clock all date logic goes through.
//!
//! "Today" decides which sessions are upcoming and which events are past. Tests and demos pin it
//! (`[server] today` or `PASSERELLE_TODAY`) so that answers do not change with the calendar.

use chrono::{DateTime, Local, NaiveDate, Utc};

/// Source of "now" and "today", fixed or following the system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed_today: Option<NaiveDate>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { fixed_today: None }
    }

    /// A clock whose "today" is pinned; "now" still moves (it stamps fetch times).
    pub fn fixed(today: NaiveDate) -> Self {
        Self {
            fixed_today: Some(today),
        }
    }

    /// Today's date (in the server's local time zone when not pinned).
    pub fn today(&self) -> NaiveDate {
        self.fixed_today
            .unwrap_or_else(|| Local::now().date_naive())
    }

    /// The current instant, for fetch timestamps.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
