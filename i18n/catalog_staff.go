package i18n

// The TUI's staff view (tui.Options.Support): each message with its
// English and Russian text, merged into the catalog.
var staffMessages = []struct{ id, en, ru string }{
	{"staff.title", "Support", "Поддержка"},
	{"staff.badge", "STAFF", "ПЕРСОНАЛ"},
	{"staff.readonly", "read-only", "только чтение"},
	{"staff.findlabel", "Find account", "Найти счёт"},
	{"staff.checklabel", "Look up check", "Найти чек"},
	{"staff.prefixph", "start of a userId, 4+ characters", "начало userId, от 4 символов"},
	{"staff.numberph", "a 12-digit check number", "номер чека из 12 цифр"},
	{"staff.hint", "Type the start of a userId and press enter. Every look is logged.", "Введите начало userId и нажмите enter. Каждый просмотр записывается в журнал."},
	{"staff.none", "No account's userId starts with “%s”.", "Нет счетов, чей userId начинается с «%s»."},
	{"staff.more", "The first %d are shown; more match: type more of the userId.", "Показаны первые %d; совпадений больше: введите userId длиннее."},
	{"staff.notstaff", "This account is not support staff, so the server refuses the staff view. Log out (L) and log in as staff.", "Этот счёт не принадлежит сотруднику поддержки, и сервер отказывает. Выйдите (L) и войдите как сотрудник."},
	{"staff.shortprefix", "Type at least %d characters of a userId", "Введите не меньше %d символов userId"},
	{"staff.badchars", "A userId has only A–Z, a–z, 0–9, + and /", "В userId только A–Z, a–z, 0–9, + и /"},
	{"staff.badnumber", "A check number has 12 digits, like 1234-5678-0001", "В номере чека 12 цифр, например 1234-5678-0001"},
	{"staff.noaccount", "No such account", "Такого счёта нет"},
	{"staff.account", "Account", "Счёт"},
	{"staff.balance", "Balance", "Баланс"},
	{"staff.opened", "Opened", "Открыт"},
	{"staff.tabactive", "Active (%d)", "Активные (%d)"},
	{"staff.tabhistory", "History (%d)", "История (%d)"},
	{"staff.tabfailed", "Failed & locked (%d)", "Ошибки и блокировки (%d)"},
	{"staff.historymore", "the newest %d", "последние %d"},
	{"staff.noactive", "No active checks.", "Активных чеков нет."},
	{"staff.nohistory", "No history.", "Истории нет."},
	{"staff.nofailed", "No failed accepts in the last 7 days, no locked checks.", "За 7 дней ошибок при приёме нет, заблокированных чеков нет."},
	{"staff.coluser", "UserId", "UserId"},
	{"staff.colbalance", "Balance", "Баланс"},
	{"staff.colstate", "State", "Статус"},
	{"staff.colwrong", "Wrong", "Ошибки"},
	{"staff.colrole", "Role", "Роль"},
	{"staff.colwhen", "When", "Когда"},
	{"staff.rolecreated", "created", "создал"},
	{"staff.roleaccepted", "accepted", "принял"},
	{"staff.stateused", "used", "погашен"},
	{"staff.stateexpired", "expired", "истёк"},
	{"staff.statecancelled", "cancelled", "отменён"},
	{"staff.wrongcode", "wrong code", "неверный код"},
	{"staff.nosuchcheck", "no such check", "нет такого чека"},
	{"staff.lockedrow", "locked after %d wrong codes, %s held", "заблокирован после %d неверных кодов, удержано %s"},
	{"staff.attempts", "%d of %d", "%d из %d"},
	{"staff.wrongcodes", "Wrong codes", "Неверные коды"},
	{"staff.creator", "Created by", "Создал"},
	{"staff.redeemer", "Accepted by", "Принял"},
	{"staff.keysearch", "find account", "найти счёт"},
	{"staff.keylookup", "look up check", "найти чек"},
	{"staff.keytab3", "failed & locked", "ошибки и блокировки"},
	{"staff.keyopen", "open", "открыть"},
	{"staff.keysubmit", "search", "искать"},
	{"staff.keyswitch", "other field", "другое поле"},
	{"staff.keyleave", "leave the field", "выйти из поля"},
	// The CLI's `fastcheck support` (the rest of its text is in catalog_cli.go).
	{"cli.support.accounts", "%d account.|%d accounts.", "%d счёт.|%d счёта.|%d счетов."},
	{"cli.auditlog.reads", "%d staff read.|%d staff reads.", "%d просмотр сотрудников.|%d просмотра сотрудников.|%d просмотров сотрудников."},
	{"cli.support.summary", "the read-only staff view: find accounts, read one, look up any check", "просмотр для поддержки, только чтение: найти счёт, открыть его, найти любой чек"},
}

func init() {
	for _, m := range staffMessages {
		if _, dup := catalog[English][m.id]; dup {
			panic("i18n: duplicate message id " + m.id)
		}
		catalog[English][m.id] = m.en
		catalog[Russian][m.id] = m.ru
	}
}
