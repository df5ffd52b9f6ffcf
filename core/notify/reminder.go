package notify

import "time"

const day = 24 * time.Hour

// ReminderAt is when reminder n (1, 2, …) about a connection lost at lostAt
// is due: after 1 day, after 3 days, then every week from the loss (7, 14,
// 21 days, …).
func ReminderAt(lostAt time.Time, n int) time.Time {
	switch {
	case n <= 0:
		return lostAt
	case n == 1:
		return lostAt.Add(day)
	case n == 2:
		return lostAt.Add(3 * day)
	}
	return lostAt.Add(time.Duration(n-2) * 7 * day)
}

// ReminderDue says which reminder about a connection lost at lostAt is due
// at now: the latest one whose time has come (n from 1), or due false before
// the first. It is pure: the reminder's number is part of its event key, so
// asking on every check enqueues each reminder once, and after a long time
// away only the latest reminder goes out, not every one that was missed.
func ReminderDue(lostAt, now time.Time) (n int, due bool) {
	if now.Before(ReminderAt(lostAt, 1)) {
		return 0, false
	}
	if now.Before(ReminderAt(lostAt, 3)) {
		if now.Before(ReminderAt(lostAt, 2)) {
			return 1, true
		}
		return 2, true
	}
	weeks := int(now.Sub(lostAt) / (7 * day))
	return weeks + 2, true
}

// ExpiryWarningDue says which warning day a connection ending at expiresAt
// has reached at now, given the warning days (notify.warn_days, e.g. 14, 7,
// 1): the smallest day d with at most d days left. due is false before the
// first warning day and once the connection has ended (then it is Expired).
// The day is part of the warning's event key, so asking on every check
// warns once per day reached, and after a long time away only the latest.
func ExpiryWarningDue(expiresAt, now time.Time, days []int) (day int, due bool) {
	left := expiresAt.Sub(now)
	if left <= 0 {
		return 0, false
	}
	for _, d := range days {
		if d > 0 && left <= time.Duration(d)*24*time.Hour && (!due || d < day) {
			day, due = d, true
		}
	}
	return day, due
}
