//! Calendar arithmetic for Unix timestamps (UTC), shared by the server and the browser without a date
//! library. Valid for every date from 1970 on.

/// (year, month, day, hour, minute) in UTC.
pub fn civil(unix: i64) -> (i64, u32, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, (secs / 3_600) as u32, (secs % 3_600 / 60) as u32)
}

/// The Unix time of a UTC calendar date and time (the inverse of [`civil`]).
pub fn unix_from_civil(year: i64, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60
}

/// `2026-11-22 06:25 UTC`.
pub fn utc(unix: i64) -> String {
    let (y, mo, d, h, mi) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0));
        assert_eq!(utc(1_798_761_599), "2026-12-31 23:59 UTC");
        for t in [0, 951_782_400, 1_700_000_040, 1_798_761_540, 4_102_444_800] {
            let (y, mo, d, h, mi) = civil(t);
            assert_eq!(unix_from_civil(y, mo, d, h, mi), t);
        }
    }
}
