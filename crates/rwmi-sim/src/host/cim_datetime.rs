//! CIM datetime text (`yyyymmddHHMMSS.mmmmmm+UUU`, DSP0004 5.2.4) and the calendar arithmetic
//! behind it, without a time zone database: everything here is UTC unless an offset is given.

use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time broken into calendar fields (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub microsecond: u32,
    /// 0 = Sunday ... 6 = Saturday, as Win32_CurrentTime.DayOfWeek counts.
    pub day_of_week: u32,
}

/// Signed seconds and microseconds since the Unix epoch; times before 1970 are negative.
pub fn unix_micros(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_micros()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_micros()).unwrap_or(i128::MAX),
    }
}

/// Calendar fields of `unix_micros` (microseconds since 1970-01-01T00:00:00), shifted by
/// `offset_seconds` (east of UTC positive).
pub fn civil_time(unix_micros: i128, offset_seconds: i64) -> CivilTime {
    let micros = unix_micros.saturating_add(i128::from(offset_seconds) * 1_000_000);
    let total_seconds = micros.div_euclid(1_000_000);
    let microsecond = micros.rem_euclid(1_000_000) as u32;
    let days = total_seconds.div_euclid(86_400);
    let second_of_day = total_seconds.rem_euclid(86_400) as u32;
    // Clamp to a range the i64 day arithmetic below handles; CIM years stop at 9999 anyway.
    let days = days.clamp(-1_000_000_000, 1_000_000_000) as i64;
    let (year, month, day) = civil_from_days(days);
    CivilTime {
        year,
        month,
        day,
        hour: second_of_day / 3600,
        minute: second_of_day / 60 % 60,
        second: second_of_day % 60,
        microsecond,
        // 1970-01-01 was a Thursday (4).
        day_of_week: (days + 4).rem_euclid(7) as u32,
    }
}

/// Year, month (1-12) and day (1-31) of a count of days since 1970-01-01, by the era-based
/// algorithm from Howard Hinnant's "chrono-compatible low-level date algorithms".
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `time` as a CIM datetime in UTC, e.g. `20260101120000.000000+000`. Years outside 0000..=9999,
/// which the fixed four-digit field cannot hold, are clamped to the nearest representable instant.
pub fn format_cim_datetime(time: SystemTime) -> String {
    let civil = civil_time(unix_micros(time), 0);
    if civil.year < 0 {
        return "00000101000000.000000+000".to_owned();
    }
    if civil.year > 9999 {
        return "99991231235959.999999+000".to_owned();
    }
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}.{:06}+000",
        civil.year,
        civil.month,
        civil.day,
        civil.hour,
        civil.minute,
        civil.second,
        civil.microsecond
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(seconds: u64, micros: u32) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_micros(u64::from(micros))
    }

    #[test]
    fn epoch() {
        assert_eq!(format_cim_datetime(UNIX_EPOCH), "19700101000000.000000+000");
    }

    #[test]
    fn known_instants() {
        // 2000-02-29T12:34:56Z, a leap day in a year divisible by 400.
        assert_eq!(
            format_cim_datetime(at(951_827_696, 7)),
            "20000229123456.000007+000"
        );
        // 2038-01-19T03:14:07Z, the 32-bit time_t limit.
        assert_eq!(
            format_cim_datetime(at(2_147_483_647, 999_999)),
            "20380119031407.999999+000"
        );
        // 2100-03-01T00:00:00Z: 2100 is not a leap year.
        assert_eq!(
            format_cim_datetime(at(4_107_542_400, 0)),
            "21000301000000.000000+000"
        );
        // 1999-12-31T23:59:59Z
        assert_eq!(
            format_cim_datetime(at(946_684_799, 0)),
            "19991231235959.000000+000"
        );
    }

    #[test]
    fn before_epoch() {
        let time = UNIX_EPOCH - Duration::from_micros(1);
        assert_eq!(format_cim_datetime(time), "19691231235959.999999+000");
    }

    #[test]
    fn out_of_range_years_clamp() {
        let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        assert_eq!(format_cim_datetime(far), "99991231235959.999999+000");
        let past = UNIX_EPOCH - Duration::from_secs(70_000_000_000);
        assert_eq!(format_cim_datetime(past), "00000101000000.000000+000");
    }

    #[test]
    fn day_of_week_and_offset() {
        // 2026-11-24 is a Tuesday.
        let civil = civil_time(1_795_478_400 * 1_000_000, 0);
        assert_eq!(
            (civil.year, civil.month, civil.day, civil.day_of_week),
            (2026, 11, 24, 2)
        );
        // One hour west of UTC at 00:30 UTC is still the previous day.
        let civil = civil_time((1_795_478_400 + 1800) * 1_000_000, -3600);
        assert_eq!(
            (civil.day, civil.hour, civil.minute, civil.day_of_week),
            (23, 23, 30, 1)
        );
    }

    #[test]
    fn every_day_round_trips_through_the_calendar() {
        // Walk 1970..2400 day by day; fields must advance like a calendar.
        let mut previous = civil_from_days(-1);
        for days in 0..157_000 {
            let current = civil_from_days(days);
            if current.1 == previous.1 {
                assert_eq!(current.2, previous.2 + 1, "day {days}");
            } else {
                assert_eq!(current.2, 1, "day {days}");
            }
            previous = current;
        }
    }
}
