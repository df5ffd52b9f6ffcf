package notify

import "time"

// NextReminder is when the next reminder after now falls.
func NextReminder(lostAt, now time.Time) time.Time {
	n, _ := ReminderDue(lostAt, now)
	return ReminderAt(lostAt, n+1)
}
