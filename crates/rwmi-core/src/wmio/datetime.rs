//! The text of a CIM datetime value (DSP0004 2.3, MS-WMIO 2.3.1), split into its fields: a timestamp
//! `yyyymmddhhmmss.mmmmmmsUUU` (UUU the offset from UTC in minutes, s its sign) or an interval
//! `ddddddddhhmmss.mmmmmm:000`. The front-ends that show datetimes in other forms (Python objects,
//! aiowmi's text, Unix seconds) read them through this one parser.
//!
//! Only the shape is checked (25 characters, digits where digits belong); ranges (a month of 13, the
//! `00` month of a partly known date) are the caller's to judge. Wildcards (`*`, a field not known)
//! are not digits: a caller that reads them as 0, as aiowmi does, replaces them first.

/// A timestamp's fields, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CimTimestamp {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub microsecond: u32,
    /// Minutes east of UTC (`-300` for `...-300`).
    pub offset_minutes: i32,
}

/// An interval's fields, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CimInterval {
    pub days: u32,
    pub hours: u32,
    pub minutes: u32,
    pub seconds: u32,
    pub microseconds: u32,
}

impl CimInterval {
    /// The whole interval in microseconds.
    pub fn total_microseconds(&self) -> u128 {
        let seconds = ((u128::from(self.days) * 24 + u128::from(self.hours)) * 60
            + u128::from(self.minutes))
            * 60
            + u128::from(self.seconds);
        seconds * 1_000_000 + u128::from(self.microseconds)
    }
}

impl CimTimestamp {
    /// Seconds since the Unix epoch (proleptic Gregorian calendar), `None` for a month or day out of
    /// range.
    pub fn unix_seconds(&self) -> Option<f64> {
        if !(1..=12).contains(&self.month) || !(1..=31).contains(&self.day) {
            return None;
        }
        // Days from the civil date (H. Hinnant's days_from_civil).
        let (y, m) = if self.month <= 2 {
            (i64::from(self.year) - 1, i64::from(self.month) + 9)
        } else {
            (i64::from(self.year), i64::from(self.month) - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let local = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        let utc = local - i64::from(self.offset_minutes) * 60;
        Some(utc as f64 + f64::from(self.microsecond) / 1e6)
    }
}

/// A CIM datetime value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CimDateTime {
    Timestamp(CimTimestamp),
    Interval(CimInterval),
}

impl CimDateTime {
    /// The fields of `text`, `None` when it is not a CIM datetime's shape.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 25 || b.get(14) != Some(&b'.') {
            return None;
        }
        let field = |from: usize, to: usize| -> Option<u32> {
            let digits = b.get(from..to)?;
            digits.iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let microsecond = field(15, 21)?;
        if text.ends_with(":000") {
            return Some(Self::Interval(CimInterval {
                days: field(0, 8)?,
                hours: field(8, 10)?,
                minutes: field(10, 12)?,
                seconds: field(12, 14)?,
                microseconds: microsecond,
            }));
        }
        let sign = match b.get(21) {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return None,
        };
        let offset = i32::try_from(field(22, 25)?).ok()?;
        Some(Self::Timestamp(CimTimestamp {
            year: field(0, 4)?,
            month: field(4, 6)?,
            day: field(6, 8)?,
            hour: field(8, 10)?,
            minute: field(10, 12)?,
            second: field(12, 14)?,
            microsecond,
            offset_minutes: sign * offset,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_intervals() {
        let Some(CimDateTime::Timestamp(t)) = CimDateTime::parse("19980525133015.000123-300")
        else {
            panic!("a timestamp");
        };
        assert_eq!(
            (
                t.year,
                t.month,
                t.day,
                t.hour,
                t.minute,
                t.second,
                t.microsecond,
                t.offset_minutes
            ),
            (1998, 5, 25, 13, 30, 15, 123, -300)
        );
        let Some(CimDateTime::Interval(i)) = CimDateTime::parse("00000001020304.500000:000") else {
            panic!("an interval");
        };
        assert_eq!(i.total_microseconds(), 93_784_500_000);
        for bad in [
            "",
            "1998**********.******+000",
            "19980525133015.000000*000",
            "19980525133015,000000+000",
        ] {
            assert_eq!(CimDateTime::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn unix_seconds() {
        let seconds = |t: &str| match CimDateTime::parse(t) {
            Some(CimDateTime::Timestamp(t)) => t.unix_seconds(),
            _ => None,
        };
        assert_eq!(seconds("19700101000000.000000+000"), Some(0.0));
        assert_eq!(seconds("19700101010000.000000+060"), Some(0.0));
        assert_eq!(seconds("19691231190000.000000-300"), Some(0.0));
        assert_eq!(seconds("20261203104500.500000+000"), Some(1_796_294_700.5));
        assert_eq!(seconds("20261303104500.500000+000"), None);
    }
}
