package tui

import (
	"time"

	"fastcheck/i18n"
)

// The wallet's text and formats come from package i18n, shared with the
// CLI; the pages hold the session's *locale.
type locale = i18n.Locale

func newLocale(lang string, loc *time.Location) *locale { return i18n.New(lang, loc) }
