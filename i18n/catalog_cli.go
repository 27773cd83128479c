package i18n

// cliMessages are the CLI's messages (ids "cli.command.what") and the
// SSH server's to its visitors ("ssh.what"): English, then Russian.
// init adds them to the catalog; a duplicate id panics.
var cliMessages = []struct{ id, en, ru string }{
	{"cli.usage",
		"Usage: fastcheck <command> [flags]",
		"Использование: fastcheck <команда> [флаги]"},
	{"cli.usage.commands",
		"Commands:",
		"Команды:"},
	{"cli.usage.more",
		`Every wallet command takes --json (machine-readable output only), --profile NAME,
--server URL and --lang en|ru. Exit codes: 0 ok, 1 error, 2 usage, 3 not logged in,
4 not found or wrong code.

Run 'fastcheck <command> --help' for a command's flags and examples.`,
		`Все команды кошелька принимают --json (только машиночитаемый вывод), --profile NAME,
--server URL и --lang en|ru. Коды выхода: 0 — успех, 1 — ошибка, 2 — неверный вызов,
3 — вход не выполнен, 4 — не найдено или неверный код.

Флаги и примеры команды: 'fastcheck <команда> --help'.`},
	{"cli.unknowncommand",
		"unknown command %q",
		"неизвестная команда %q"},
	{"cli.lang.missing",
		"flag needs an argument: --lang (en or ru)",
		"флагу --lang нужно значение (en или ru)"},
	{"cli.lang.unknown",
		"--lang: unknown language %q (known: %s)",
		"--lang: неизвестный язык %q (доступны: %s)"},
	{"cli.wallet.summary",
		"open the wallet (the same as fastcheck with no arguments)",
		"открыть кошелёк (то же, что fastcheck без аргументов)"},
	{"cli.demo.summary",
		"the whole system on this machine: embedded server, demo users, the wallet",
		"вся система на этой машине: встроенный сервер, демо-пользователи, кошелёк"},
	{"cli.server.summary",
		"run the reference server (and `server audit`)",
		"запустить эталонный сервер (и `server audit`)"},
	{"cli.phone.summary",
		"act as the phone app: register an identity, approve a login",
		"работать как приложение на телефоне: регистрация, подтверждение входа"},
	{"cli.ssh.summary",
		"serve the wallet over SSH: a wallet of their own for every visitor",
		"кошелёк по SSH: у каждого посетителя свой"},
	{"cli.briacoinsim.summary",
		"run a Briacoin service simulator (and `briacoin-sim pay`)",
		"запустить симулятор сервиса Briacoin (и `briacoin-sim pay`)"},
	{"cli.flag.json",
		"print stable machine-readable JSON only",
		"выводить только стабильный машиночитаемый JSON"},
	{"cli.flag.lang",
		"`LANGUAGE` of messages: en or ru (default the config's \"lang\", then $LC_ALL, $LC_MESSAGES, $LANG)",
		"`LANGUAGE` сообщений: en или ru (по умолчанию \"lang\" из конфигурации, затем $LC_ALL, $LC_MESSAGES, $LANG)"},
	{"cli.flag.profile",
		"`NAME` of the profile to use (default $%s, then the config's default, then \"default\")",
		"`NAME` профиля (по умолчанию $%s, затем профиль по умолчанию из конфигурации, затем \"default\")"},
	{"cli.flag.server",
		"server API base `URL` (default $%s, then the profile's, then %s)",
		"базовый `URL` API сервера (по умолчанию $%s, затем сервер профиля, затем %s)"},
	{"cli.flag.insecurestorage",
		"keep the key and session in a 0600 file instead of the OS keyring (warns on every use)",
		"хранить ключ и сеанс в файле с правами 0600 вместо связки ключей ОС (с предупреждением при каждом запуске)"},
	{"cli.flag.allowhttp",
		"allow plain http:// to a server that is not on loopback",
		"разрешить обычный http:// к серверу не на loopback"},
	{"cli.flag.timeout",
		"give up on the server after this `DURATION` (30s, 2m)",
		"сколько ждать ответа сервера: `DURATION` (30s, 2m)"},
	{"cli.flag.undefined",
		"flag provided but not defined: %s",
		"неизвестный флаг: %s"},
	{"cli.flag.needsarg",
		"flag needs an argument: %s",
		"флагу нужно значение: %s"},
	{"cli.flag.syntax",
		"bad flag syntax: %s",
		"неверный синтаксис флага: %s"},
	{"cli.flag.invalid",
		"invalid value %s for flag %s: %s",
		"недопустимое значение %s для флага %s: %s"},
	{"cli.help.usage",
		"Usage: fastcheck %s [flags]",
		"Использование: fastcheck %s [флаги]"},
	{"cli.help.examples",
		"Examples:",
		"Примеры:"},
	{"cli.help.flags",
		"Flags:",
		"Флаги:"},
	{"cli.help.globalflags",
		"Global flags:",
		"Общие флаги:"},
	{"cli.help.default",
		"(default %s)",
		"(по умолчанию %s)"},
	{"cli.seehelp",
		"Run 'fastcheck %s --help' for usage.",
		"Справка: 'fastcheck %s --help'."},
	{"cli.unexpectedarg",
		"unexpected argument %q",
		"лишний аргумент %q"},
	{"cli.plainhttp",
		"refusing plain http:// to %s: the session would travel unencrypted; use https://, or pass --allow-insecure-http",
		"отказ от обычного http:// к %s: сеанс передавался бы без шифрования; используйте https:// или передайте --allow-insecure-http"},
	{"cli.notloggedin",
		"not logged in (profile %s); run: %s",
		"вход не выполнен (профиль %s); выполните: %s"},
	{"cli.sessionended",
		"Your session ended or was never approved; run: %s",
		"Сеанс завершён или так и не был подтверждён; выполните: %s"},
	{"cli.serverdown",
		"Is the server running at %s? (set it with --server or $%s)",
		"Запущен ли сервер по адресу %s? (адрес задаётся --server или $%s)"},
	{"cli.raisetimeout",
		"(raise --timeout to wait longer)",
		"(увеличьте --timeout, чтобы ждать дольше)"},
	{"cli.retryafter",
		"(try again in %s)",
		"(повторите через %s)"},
	{"cli.kind.unexpected",
		"unexpected answer from the server",
		"неожиданный ответ сервера"},
	{"cli.kind.badrequest",
		"request refused",
		"запрос отклонён"},
	{"cli.kind.notloggedin",
		"not logged in",
		"вход не выполнен"},
	{"cli.kind.funds",
		"insufficient funds",
		"недостаточно средств"},
	{"cli.kind.forbidden",
		"forbidden",
		"запрещено"},
	{"cli.kind.notfound",
		"not found",
		"не найдено"},
	{"cli.kind.wrongcode",
		"no such check, or wrong code",
		"такого чека нет, или код неверный"},
	{"cli.kind.conflict",
		"conflict",
		"конфликт"},
	{"cli.kind.gone",
		"no longer available",
		"больше недоступно"},
	{"cli.kind.locked",
		"locked",
		"заблокирован"},
	{"cli.kind.ratelimited",
		"rate limited",
		"слишком много запросов"},
	{"cli.kind.unavailable",
		"server unavailable",
		"сервер недоступен"},
	{"cli.kind.badresponse",
		"malformed answer from the server",
		"некорректный ответ сервера"},
	{"cli.badnumber",
		"%q is not a check number: it has 12 digits, like 1234-5678-0001",
		"%q — не номер чека: в номере 12 цифр, например 1234-5678-0001"},
	{"cli.badcurrency",
		"unknown currency %q",
		"неизвестная валюта %q"},
	{"cli.confirm.noterminal",
		"confirmation needed, but standard input is not a terminal; pass --yes",
		"нужно подтверждение, но стандартный ввод — не терминал; передайте --yes"},
	{"cli.yesno",
		"[y/N]",
		"[д/Н]"},
	{"cli.jsonneedsyes",
		"--json needs --yes (there is no one to ask)",
		"--json требует --yes (спросить некого)"},
	{"cli.insecurewarning",
		"warning: --insecure-storage: keys are kept in %s (mode 0600), not in the OS keyring",
		"предупреждение: --insecure-storage: ключи хранятся в %s (права 0600), а не в связке ключей ОС"},
	{"cli.nokeyring",
		`the OS keyring is unavailable (%v).
Fix: run a Secret Service (on Linux, e.g. gnome-keyring, unlocked in your session),
or pass --insecure-storage to keep keys in a file readable only by you (%s).`,
		`связка ключей ОС недоступна (%v).
Что делать: запустите Secret Service (в Linux, например, gnome-keyring, разблокированный в вашем сеансе)
или передайте --insecure-storage, чтобы хранить ключи в файле, доступном только вам (%s).`},
	{"cli.config.damaged",
		"config file %s is damaged: %v (fix or remove it)",
		"файл конфигурации %s повреждён: %v (исправьте или удалите его)"},
	{"cli.config.badlang",
		"config file %s: unknown \"lang\" %q (known: %s)",
		"файл конфигурации %s: неизвестный язык \"lang\" %q (доступны: %s)"},
	{"cli.config.badprofile",
		"config file %s: %s",
		"файл конфигурации %s: %s"},
	{"cli.badserver",
		"%q is not a server URL: give an absolute http(s) URL without a password, query or fragment, such as https://fastcheck.store/api",
		"%q — не адрес сервера: нужен абсолютный URL http(s) без пароля, параметров запроса и фрагмента, например https://fastcheck.store/api"},
	{"cli.balance.summary",
		"show your balance",
		"показать баланс"},
	{"cli.balance.about",
		`Shows the balance of the logged-in account. --json prints the API's answer:
{"balance": <minor units>, "currency": "RUB"}.`,
		`Показывает баланс аккаунта, в который выполнен вход. С --json выводит ответ API:
{"balance": <в минимальных единицах>, "currency": "RUB"}.`},
	{"cli.balance.line",
		"Balance: %s",
		"Баланс: %s"},
	{"cli.active.summary",
		"list your active checks, with their codes",
		"список ваших активных чеков с кодами"},
	{"cli.active.about",
		`Lists the checks you created that nobody has accepted yet, with their codes,
newest first. A locked check (too many wrong codes) can only be cancelled.
--json prints {"checks": [...]} with the API's fields.`,
		`Показывает созданные вами чеки, которые ещё никто не принял, с их кодами,
сначала новые. Заблокированный чек (слишком много неверных кодов) можно
только отменить. С --json выводит {"checks": [...]} с полями API.`},
	{"cli.active.none",
		"No active checks.",
		"Активных чеков нет."},
	{"cli.active.locked",
		"locked (cancel it to get the money back)",
		"заблокирован (отмените, чтобы вернуть деньги)"},
	{"cli.active.total",
		"%d active check, %s in total.|%d active checks, %s in total.",
		"%d активный чек, всего на %s.|%d активных чека, всего на %s.|%d активных чеков, всего на %s."},
	{"cli.col.number",
		"NUMBER",
		"НОМЕР"},
	{"cli.col.amount",
		"AMOUNT",
		"СУММА"},
	{"cli.col.code",
		"CODE",
		"КОД"},
	{"cli.col.created",
		"CREATED",
		"СОЗДАН"},
	{"cli.col.expires",
		"EXPIRES",
		"ИСТЕКАЕТ"},
	{"cli.col.status",
		"STATUS",
		"СТАТУС"},
	{"cli.col.date",
		"DATE",
		"ДАТА"},
	{"cli.col.type",
		"TYPE",
		"ТИП"},
	{"cli.state.active",
		"active",
		"активен"},
	{"cli.state.used",
		"used",
		"использован"},
	{"cli.state.expired",
		"expired",
		"истёк"},
	{"cli.state.cancelled",
		"cancelled",
		"отменён"},
	{"cli.state.locked",
		"locked",
		"заблокирован"},
	{"cli.type.created",
		"created",
		"создан"},
	{"cli.type.accepted",
		"accepted",
		"принят"},
	{"cli.history.summary",
		"list used, expired and cancelled checks you created or accepted",
		"использованные, истёкшие и отменённые чеки, которые вы создали или приняли"},
	{"cli.history.about",
		`Lists the checks that are over: used, expired or cancelled, both those you
created and those you accepted, newest first. DATE is when the check was
used, accepted, expired or cancelled; --since and --until filter on it and
take a date (2026-01-19, local time), an RFC 3339 time, "today",
"yesterday", or an age such as 7d or 36h. --until's date is inclusive.
--json prints {"checks": [...]} with the API's fields, filtered the same way.`,
		`Показывает завершённые чеки — использованные, истёкшие и отменённые, и
созданные вами, и принятые, сначала новые. ДАТА — когда чек использовали,
приняли, когда он истёк или был отменён; по ней фильтруют --since и --until.
Они принимают дату (2026-01-19, местное время), время RFC 3339, "today",
"yesterday" или давность вроде 7d или 36h. Дата --until включается.
С --json выводит {"checks": [...]} с полями API, отфильтрованный так же.`},
	{"cli.history.flagtype",
		"only checks of this `TYPE`: created|accepted",
		"только чеки этого типа `TYPE`: created|accepted"},
	{"cli.history.flagstatus",
		"only checks in this `STATE`: used|expired|cancelled",
		"только чеки в этом состоянии `STATE`: used|expired|cancelled"},
	{"cli.history.flagsince",
		"only checks that ended at or after `WHEN` (a date, time or age)",
		"только чеки, завершённые не раньше `WHEN` (дата, время или давность)"},
	{"cli.history.flaguntil",
		"only checks that ended on or before `WHEN`",
		"только чеки, завершённые не позже `WHEN`"},
	{"cli.history.flaglimit",
		"show at most `N` checks (newest first); 0 means all",
		"показать не больше `N` чеков (сначала новые); 0 — все"},
	{"cli.history.badtype",
		"--type must be created or accepted, not %q",
		"--type может быть created или accepted, а не %q"},
	{"cli.history.badstatus",
		"--status must be used, expired or cancelled, not %q",
		"--status может быть used, expired или cancelled, а не %q"},
	{"cli.history.badlimit",
		"--limit must not be negative",
		"--limit не может быть отрицательным"},
	{"cli.history.badwhen",
		"%q is not a date (2026-01-19), a time (2026-01-19T09:08:18Z), today, yesterday or an age (7d, 36h)",
		"%q — не дата (2026-01-19), не время (2026-01-19T09:08:18Z), не today, не yesterday и не давность (7d, 36h)"},
	{"cli.history.none",
		"No history yet.",
		"История пока пуста."},
	{"cli.history.nomatch",
		"No checks match (%d check in the history).|No checks match (%d checks in the history).",
		"Ни один чек не подходит (в истории %d чек).|Ни один чек не подходит (в истории %d чека).|Ни один чек не подходит (в истории %d чеков)."},
	{"cli.check.summary",
		"look up a check's public status (no login needed)",
		"узнать открытый статус чека (вход не нужен)"},
	{"cli.check.about",
		`Shows whether a check can still be accepted, and what it holds. The number
may be typed loosely (1234 5678 0001, 123456780001). No login is needed.
Exits 4 when there is no such check. --json prints the API's answer.`,
		`Показывает, можно ли ещё принять чек, и на какую он сумму. Номер можно
вводить как угодно (1234 5678 0001, 123456780001). Вход не нужен.
Если такого чека нет, код выхода 4. С --json выводит ответ API.`},
	{"cli.check.args",
		"give one check number, like 1234-5678-0001",
		"укажите один номер чека, например 1234-5678-0001"},
	{"cli.check.number",
		"Check",
		"Чек"},
	{"cli.check.status",
		"Status",
		"Статус"},
	{"cli.check.amount",
		"Amount",
		"Сумма"},
	{"cli.check.expires",
		"Expires",
		"Истекает"},
	{"cli.check.code",
		"Code",
		"Код"},
	{"cli.check.canaccept",
		"active: it can be accepted",
		"активен: его можно принять"},
	{"cli.check.locked",
		"locked after too many wrong codes; only its creator can cancel it",
		"заблокирован после слишком многих неверных кодов; отменить его может только создатель"},
	{"cli.check.over",
		"%s: it can no longer be accepted",
		"%s: принять его больше нельзя"},
	{"cli.check.inactive",
		"not active: it can no longer be accepted",
		"не активен: принять его больше нельзя"},
	{"cli.create.summary",
		"create a check: move money from your balance into a new check",
		"создать чек: перевести деньги с баланса в новый чек"},
	{"cli.create.about",
		`Creates a check holding AMOUNT, in major units (1580, 1580.00, 1,580.00 or
1 580,00), parsed exactly with the currency's decimals. CURRENCY defaults
to your balance's. Prints the check's number and code: give both to the
person who should get the money. --json prints the API's answer
(fastcheck, code, expiration, amount in minor units, currency).`,
		`Создаёт чек на сумму AMOUNT в основных единицах (1580, 1580.00, 1,580.00 или
1 580,00); сумма читается точно, с десятичными знаками валюты. CURRENCY по
умолчанию — валюта баланса. Выводит номер и код чека: передайте оба тому,
кто должен получить деньги. С --json выводит ответ API (fastcheck, code,
expiration, amount в минимальных единицах, currency).`},
	{"cli.create.args",
		"give an amount and optionally a currency, like: fastcheck create 1580.00 RUB",
		"укажите сумму и, если нужно, валюту, например: fastcheck create 1580.00 RUB"},
	{"cli.create.done",
		"Created check %s.",
		"Чек %s создан."},
	{"cli.create.give",
		"Give the number and the code to the recipient. They run:",
		"Передайте номер и код получателю. Ему нужно выполнить:"},
	{"cli.accept.summary",
		"accept a check: move its money into your balance",
		"принять чек: зачислить его деньги на баланс"},
	{"cli.accept.about",
		`Looks the check up first and shows what it holds, asks, then accepts it
into your balance. --yes skips the question (for scripts); without a
terminal, --yes is required. A wrong code and an unknown check both exit 4
(the server does not say which); after 5 wrong codes the check locks.
--json (with --yes) prints {"message", "fastcheck", "amount", "currency", "balance"}.`,
		`Сначала находит чек и показывает его сумму, спрашивает, затем зачисляет
деньги на баланс. --yes пропускает вопрос (для скриптов); без терминала
--yes обязателен. Неверный код и неизвестный чек дают код выхода 4 (сервер
не говорит, что именно); после 5 неверных кодов чек блокируется.
С --json (и --yes) выводит {"message", "fastcheck", "amount", "currency", "balance"}.`},
	{"cli.accept.flagyes",
		"accept without asking",
		"принять без вопроса"},
	{"cli.accept.args",
		"give the check number and its 4-digit code, like: fastcheck accept 1234-5678-0001 0042",
		"укажите номер чека и его код из 4 цифр, например: fastcheck accept 1234-5678-0001 0042"},
	{"cli.accept.badcode",
		"the code is 4 digits, like 0042",
		"код — это 4 цифры, например 0042"},
	{"cli.accept.notactive",
		"check %s is %s",
		"чек %s: %s"},
	{"cli.accept.ask",
		"Accept check %s (the server does not say how much it holds) into your balance?",
		"Принять чек %s и зачислить деньги на баланс? (Сервер не сообщает сумму.)"},
	{"cli.accept.askamount",
		"Accept check %s for %s into your balance?",
		"Принять чек %s на сумму %s и зачислить её на баланс?"},
	{"cli.accept.no",
		"Not accepted.",
		"Чек не принят."},
	{"cli.accept.done",
		"Accepted check %s: %s.",
		"Чек %s принят: %s."},
	{"cli.cancel.summary",
		"cancel one of your active checks: its money comes back",
		"отменить свой активный чек: деньги вернутся"},
	{"cli.cancel.about",
		`Cancels a check you created that nobody has accepted (a locked one too);
its money goes back to your balance. Asks first unless --yes; without a
terminal, --yes is required. --json (with --yes) prints the API's answer.`,
		`Отменяет созданный вами чек, который ещё никто не принял (и заблокированный
тоже); деньги возвращаются на баланс. Сначала спрашивает, если нет --yes;
без терминала --yes обязателен. С --json (и --yes) выводит ответ API.`},
	{"cli.cancel.flagyes",
		"cancel without asking",
		"отменить без вопроса"},
	{"cli.cancel.ask",
		"Cancel check %s? The money goes back to your balance.",
		"Отменить чек %s? Деньги вернутся на баланс."},
	{"cli.cancel.askamount",
		"Cancel check %s (%s)? The money goes back to your balance.",
		"Отменить чек %s (%s)? Деньги вернутся на баланс."},
	{"cli.cancel.no",
		"Not cancelled.",
		"Чек не отменён."},
	{"cli.cancel.done",
		"Cancelled check %s: %s is back in your balance.",
		"Чек %s отменён: %s вернулись на баланс."},
	{"cli.export.summary",
		"export your history and active checks as CSV or JSON",
		"выгрузить историю и активные чеки в CSV или JSON"},
	{"cli.export.about",
		`Writes every active check and every history row, to standard output or to
--output (created with mode 0600). Check codes are left out unless
--with-codes is given: whoever has a number and its code can take the money.

CSV has a header row and one row per check: list (active or history),
fastcheck, type, status, amount (major units, like 1580.00), amount_minor,
currency, code, created_at, expiration, used_at, accepted_at, resolved_at.
Fields a spreadsheet would run as a formula are prefixed with '.
JSON is {"exportedAt", "profile", "server", "active": [...], "history": [...]}
with the API's field names. --json is the same as --format json.`,
		`Записывает все активные чеки и все строки истории в стандартный вывод или в
--output (файл создаётся с правами 0600). Коды чеков не выгружаются без
--with-codes: кто знает номер и код, тот может забрать деньги.

CSV: строка заголовка и по строке на чек: list (active или history),
fastcheck, type, status, amount (в основных единицах, например 1580.00),
amount_minor, currency, code, created_at, expiration, used_at, accepted_at,
resolved_at. Перед полями, которые таблица выполнила бы как формулу, стоит '.
JSON: {"exportedAt", "profile", "server", "active": [...], "history": [...]}
с именами полей API. --json — то же, что --format json.`},
	{"cli.export.flagformat",
		"`FORMAT`: csv or json (default csv; json with --json)",
		"формат `FORMAT`: csv или json (по умолчанию csv; с --json — json)"},
	{"cli.export.flagoutput",
		"write to `FILE` (mode 0600) instead of standard output",
		"писать в файл `FILE` (права 0600), а не в стандартный вывод"},
	{"cli.export.flagcodes",
		"include the codes of active checks",
		"выгрузить и коды активных чеков"},
	{"cli.export.badformat",
		"--format must be csv or json, not %q",
		"--format может быть csv или json, а не %q"},
	{"cli.export.disagree",
		"--json and --format csv disagree; pick one",
		"--json и --format csv противоречат друг другу; выберите одно"},
	{"cli.export.done",
		"Exported %s and %s to %s.",
		"Выгружено: %s и %s в %s."},
	{"cli.export.active",
		"%d active check|%d active checks",
		"%d активный чек|%d активных чека|%d активных чеков"},
	{"cli.export.rows",
		"%d history row|%d history rows",
		"%d строка истории|%d строки истории|%d строк истории"},
	{"cli.wallet.usage",
		`Usage: fastcheck [wallet] [flags]

Opens the wallet: the login QR, then balance, active checks and history.
With no server configured, the first screen offers the demo.`,
		`Использование: fastcheck [wallet] [флаги]

Открывает кошелёк: QR-код для входа, затем баланс, активные чеки и историю.
Если сервер не настроен, первый экран предложит демо.`},
	{"cli.wallet.noterminal",
		"the wallet needs a terminal; for scripts use the commands (fastcheck --help)",
		"кошельку нужен терминал; для скриптов есть команды (fastcheck --help)"},
	{"cli.demo.flagaddr",
		"where the embedded server listens; if that port is taken, any free one",
		"адрес встроенного сервера; если порт занят — любой свободный"},
	{"cli.demo.flagdb",
		"keep the demo's database in this SQLite file (default: a new temporary one)",
		"хранить базу демо в этом файле SQLite (по умолчанию — новый временный)"},
	{"cli.demo.usage",
		`Usage: fastcheck demo [flags]

Starts an embedded reference server with the demo users alice and bob
(%s each) and opens the wallet against it. On the login
screen, press the demo key to approve as alice, or from a second terminal:
  fastcheck phone approve --demo bob --server URL <session id>`,
		`Использование: fastcheck demo [флаги]

Запускает встроенный эталонный сервер с демо-пользователями alice и bob
(по %s у каждого) и открывает кошелёк для него. На экране входа нажмите
демо-клавишу, чтобы подтвердить вход как alice, или из другого терминала:
  fastcheck phone approve --demo bob --server URL <id сеанса>`},
	{"cli.demo.noterminal",
		"the demo wallet needs a terminal; for a headless demo server run: fastcheck server --demo",
		"демо-кошельку нужен терминал; демо-сервер без экрана: fastcheck server --demo"},
	{"cli.demo.ended",
		"Demo ended. The server's log was %s.",
		"Демо завершено. Журнал сервера: %s."},
	{"cli.create.number",
		"Number",
		"Номер"},
	{"cli.wallet.flagsupport",
		"open the read-only staff view instead (the same as fastcheck support)",
		"открыть вместо кошелька просмотр для поддержки, только чтение (то же, что fastcheck support)"},
	{"cli.topup.summary",
		"add money to your balance by bank card or Briacoin",
		"пополнить баланс банковской картой или Briacoin"},
	{"cli.topup.about",
		`Starts a top-up of AMOUNT (major units of your balance's currency, like
create takes them).

  bank      prints the bank's payment page URL, and a QR code of it to pay on
            a phone; open it, pay with a card, and the money arrives once the
            bank confirms.
  briacoin  prints the wallet address to pay and the exact coins, with a QR
            code of the address; the money arrives as the coins do, in parts
            if you pay in parts (new -> part -> close).

--wait blocks until the money is credited, showing each change, then the
new balance; it exits 1 if the payment is declined or expires. "topup
status ID" shows one top-up (with --wait, waits for it). --json prints the
API's top-up object; with --wait one object per change, one per line.`,
		`Начинает пополнение на сумму AMOUNT (в основных единицах валюты баланса,
как в create).

  bank      выводит адрес страницы оплаты банка и её QR-код для оплаты с
            телефона; откройте её, заплатите картой, и деньги поступят, как
            только банк подтвердит платёж.
  briacoin  выводит адрес кошелька для оплаты и точное число монет, с QR-кодом
            адреса; деньги поступают вместе с монетами, частями, если вы
            платите частями (new -> part -> close).

--wait ждёт зачисления, показывая каждое изменение, затем новый баланс; если
платёж отклонён или истёк, код выхода 1. "topup status ID" показывает одно
пополнение (с --wait — ждёт его). С --json выводит объект пополнения из API;
с --wait — по объекту на каждое изменение, по одному в строке.`},
	{"cli.topup.flagwait",
		"wait until the money is credited (or the payment fails)",
		"ждать зачисления денег (или отказа в платеже)"},
	{"cli.topup.flagnoqr",
		"print the URL or address only, without the QR code",
		"вывести только ссылку или адрес, без QR-кода"},
	{"cli.topup.args",
		"give a method and an amount, like: fastcheck topup bank 1000 (or: fastcheck topup status ID)",
		"укажите способ и сумму, например: fastcheck topup bank 1000 (или: fastcheck topup status ID)"},
	{"cli.topup.badmethod",
		"the method is bank or briacoin, not %q",
		"способ — bank или briacoin, а не %q"},
	{"cli.topup.waiting",
		"Waiting for the payment… (Ctrl+C stops waiting; the top-up stays open)",
		"Ждём оплату… (Ctrl+C прекращает ожидание; пополнение остаётся открытым)"},
	{"cli.topup.notclosed",
		"the payment %s; %s credited",
		"платёж %s; зачислено %s"},
	{"cli.topup.statusdeclined",
		"was declined",
		"отклонён"},
	{"cli.topup.statusexpired",
		"expired",
		"истёк"},
	{"cli.topup.id",
		"Top-up",
		"Пополнение"},
	{"cli.topup.method",
		"Method",
		"Способ"},
	{"cli.topup.bank",
		"bank card",
		"банковская карта"},
	{"cli.topup.payat",
		"Pay at",
		"Оплата"},
	{"cli.topup.wallet",
		"Wallet",
		"Кошелёк"},
	{"cli.topup.coins",
		"Coins",
		"Монеты"},
	{"cli.topup.rate",
		"Rate",
		"Курс"},
	{"cli.topup.order",
		"Order",
		"Заказ"},
	{"cli.topup.banktxn",
		"Bank transaction",
		"Банковская операция"},
	{"cli.topup.coinhead",
		"Top-up of %s by Briacoin: send exactly %s coins to this wallet.",
		"Пополнение на %s через Briacoin: отправьте ровно %s BRC на этот кошелёк."},
	{"cli.topup.parts",
		"You may pay in parts; each part is credited as it arrives.",
		"Можно платить частями; каждая часть зачисляется, как только поступит."},
	{"cli.topup.bankhead",
		"Top-up of %s by bank card: pay on the bank's page (open the link, or scan the code with a phone).",
		"Пополнение на %s банковской картой: оплатите на странице банка (откройте ссылку или отсканируйте код телефоном)."},
	{"cli.topup.new",
		"new: waiting for the payment",
		"новое: ждём оплату"},
	{"cli.topup.partcoins",
		"part: %s of %s coins paid, %s credited",
		"частично: оплачено %s из %s BRC, зачислено %s"},
	{"cli.topup.part",
		"part: %s credited",
		"частично: зачислено %s"},
	{"cli.topup.close",
		"close: %s credited",
		"завершено: зачислено %s"},
	{"cli.topup.declined",
		"declined: nothing was charged",
		"отклонено: деньги не списаны"},
	{"cli.topup.expired",
		"expired: %s credited",
		"истекло: зачислено %s"},
	{"cli.withdraw.summary",
		"send money from your balance to a Briacoin wallet",
		"вывести деньги с баланса на кошелёк Briacoin"},
	{"cli.withdraw.about",
		`Sends AMOUNT (major units of your balance's currency) to a Briacoin
WALLET, as coins at the server's rate. The money leaves your balance at
once and is held until the service confirms the transfer (then the txid is
shown) or refuses it (then it comes back). If the service's answer is lost,
the server reconciles the transfer; the money is held meanwhile, never lost
and never sent twice.

Asks first unless --yes; without a terminal, --yes is required. Waits for
the outcome up to --timeout. "withdraw status REF" shows one withdrawal.
--json (with --yes) prints the API's withdrawal object. Exits 1 when the
withdrawal failed or its outcome is not known yet.`,
		`Отправляет сумму AMOUNT (в основных единицах валюты баланса) на кошелёк
Briacoin WALLET монетами по курсу сервера. Деньги сразу списываются с баланса
и удерживаются, пока сервис не подтвердит перевод (тогда будет показан txid)
или не откажет (тогда деньги вернутся). Если ответ сервиса потерялся, сервер
сверит перевод сам; деньги тем временем удержаны, они не пропадут и не уйдут
дважды.

Сначала спрашивает, если нет --yes; без терминала --yes обязателен. Ждёт
результата не дольше --timeout. "withdraw status REF" показывает один вывод.
С --json (и --yes) выводит объект вывода из API. Код выхода 1, если вывод не
удался или его результат пока неизвестен.`},
	{"cli.withdraw.flagyes",
		"withdraw without asking",
		"вывести без вопроса"},
	{"cli.withdraw.args",
		"give a wallet and an amount, like: fastcheck withdraw BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 500",
		"укажите кошелёк и сумму, например: fastcheck withdraw BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 500"},
	{"cli.withdraw.badwallet",
		"wallet %q is not a Briacoin address (B…, 26–35 characters of base58)",
		"%q — не адрес кошелька Briacoin (B…, 26–35 символов base58)"},
	{"cli.withdraw.ask",
		"Send %s from your balance (%s) to Briacoin wallet %s?",
		"Отправить %s с баланса (%s) на кошелёк Briacoin %s?"},
	{"cli.withdraw.no",
		"Not withdrawn.",
		"Вывод отменён."},
	{"cli.withdraw.waiting",
		"Withdrawal %s is %s; waiting for the service…",
		"Вывод %s: %s; ждём ответа сервиса…"},
	{"cli.withdraw.statuspending",
		"pending",
		"в обработке"},
	{"cli.withdraw.statusunknown",
		"unknown",
		"результат неизвестен"},
	{"cli.withdraw.what",
		"%s (%s coins) to %s",
		"%s (%s BRC) на %s"},
	{"cli.withdraw.sent",
		"Sent %s.",
		"Отправлено %s."},
	{"cli.withdraw.txid",
		"Txid",
		"Txid"},
	{"cli.withdraw.ref",
		"Reference",
		"Номер вывода"},
	{"cli.withdraw.failed",
		"The withdrawal of %s failed: %s",
		"Вывод %s не удался: %s"},
	{"cli.withdraw.unknown",
		`The outcome of the withdrawal of %s is not known yet: %s.
The money is held, not lost, and will not be sent twice. Check again with: fastcheck withdraw status %s`,
		`Результат вывода %s пока неизвестен: %s.
Деньги удержаны: они не пропадут и не уйдут дважды. Проверить снова: fastcheck withdraw status %s`},
	{"cli.withdraw.pending",
		"The withdrawal of %s is still %s. Check again with: fastcheck withdraw status %s",
		"Вывод %s всё ещё %s. Проверить снова: fastcheck withdraw status %s"},
	{"cli.topup.briacoin",
		"Briacoin",
		"Briacoin"},
	{"cli.storage.keyring",
		"the OS keyring",
		"связка ключей ОС"},
	{"cli.storage.file",
		"%s (insecure storage)",
		"%s (небезопасное хранение)"},
	{"cli.login.summary",
		"log in: show a QR code for the phone app and wait for its approval",
		"войти: показать QR-код для приложения на телефоне и ждать подтверждения"},
	{"cli.login.about",
		`Logs this terminal in to a Fastcheck server. It makes the profile's key pair
on first use (kept in the OS keyring), asks the server for a login session
bound to that key, and shows the QR code, its URL and the key fingerprint.
Scan the code with the phone app (or run 'fastcheck phone approve URL') and
check that the phone shows the same fingerprint. The command waits until the
login is approved or the code expires; on a terminal it then asks before
starting a new one. The session is stored in the keyring with the key.

With --json it prints one JSON object per line: {"event":"waiting",...}
with the approveUrl, then {"event":"loggedIn",...} (or "alreadyLoggedIn").`,
		`Выполняет вход с этого терминала на сервер Fastcheck. При первом запуске
создаёт пару ключей профиля (она хранится в связке ключей ОС), запрашивает у
сервера сеанс входа, привязанный к этому ключу, и показывает QR-код, его
адрес и отпечаток ключа. Отсканируйте код приложением на телефоне (или
выполните 'fastcheck phone approve URL') и убедитесь, что телефон показывает
тот же отпечаток. Команда ждёт, пока вход не подтвердят или код не истечёт;
в терминале она затем спросит, начать ли вход заново. Сеанс хранится в
связке ключей вместе с ключом.

С --json выводит по объекту JSON в строке: {"event":"waiting",...}
с approveUrl, затем {"event":"loggedIn",...} (или "alreadyLoggedIn").`},
	{"cli.login.flagnoqr",
		"print the approve URL only, without the QR code",
		"вывести только ссылку для подтверждения, без QR-кода"},
	{"cli.login.flagforce",
		"start a new login even if the profile is logged in",
		"начать новый вход, даже если вход в профиль уже выполнен"},
	{"cli.login.already",
		`Already logged in as %s on %s (profile %s).
Run 'fastcheck login --force' to log in again, or 'fastcheck logout'.`,
		`Вход уже выполнен: %s на %s (профиль %s).
Войти заново: 'fastcheck login --force'; выйти: 'fastcheck logout'.`},
	{"cli.login.newkey",
		"Made a new key pair for profile %s in %s.",
		"Создана новая пара ключей профиля %s, хранится в: %s."},
	{"cli.login.cancelled",
		"cancelled; the login code was withdrawn",
		"отменено; код входа отозван"},
	{"cli.login.expired",
		"the login code expired before it was approved; run 'fastcheck login' again",
		"код входа истёк, так и не получив подтверждения; выполните 'fastcheck login' снова"},
	{"cli.login.again",
		"The login code expired. Start a new login?",
		"Срок действия кода входа истёк. Начать вход заново?"},
	{"cli.login.notloggedin",
		"Not logged in.",
		"Вход не выполнен."},
	{"cli.login.notsaved",
		"warning: could not save the profile to %s: %v",
		"предупреждение: не удалось сохранить профиль в %s: %v"},
	{"cli.login.done",
		"Logged in as %s on %s (profile %s).",
		"Вход выполнен: %s на %s (профиль %s)."},
	{"cli.login.openurl",
		"Open this URL with the Fastcheck phone app (or run 'fastcheck phone approve URL' there):",
		"Откройте эту ссылку приложением Fastcheck на телефоне (или выполните там 'fastcheck phone approve URL'):"},
	{"cli.login.fingerprint",
		"Fingerprint %s (the phone shows the same) · expires %s",
		"Отпечаток %s (на телефоне тот же) · истекает в %s"},
	{"cli.login.waiting",
		"Waiting for the phone to approve… (Ctrl+C to cancel)",
		"Ждём подтверждения с телефона… (Ctrl+C — отмена)"},
	{"cli.login.countdown",
		"Waiting for the phone to approve… %s left (Ctrl+C to cancel)",
		"Ждём подтверждения с телефона… осталось %s (Ctrl+C — отмена)"},
	{"cli.logout.summary",
		"log out: end the session on the server and wipe it here",
		"выйти: завершить сеанс на сервере и стереть его здесь"},
	{"cli.logout.about",
		`Ends the profile's session on the server (DELETE /websession/{id}) and wipes
it from the keyring. The key pair stays, so the next login shows the same
fingerprint; --forget-key wipes it too.

If the server cannot be reached, nothing is wiped (so you can retry),
unless --forget-key is given: without the key the session is useless, so
both are wiped and the server's copy simply expires.`,
		`Завершает сеанс профиля на сервере (DELETE /websession/{id}) и стирает его из
связки ключей. Пара ключей остаётся, поэтому при следующем входе отпечаток
будет тем же; --forget-key стирает и её.

Если сервер недоступен, ничего не стирается (можно повторить), кроме случая
с --forget-key: без ключа сеанс бесполезен, поэтому стираются оба, а копия
на сервере просто истечёт.`},
	{"cli.logout.flagforget",
		"also wipe the profile's key pair",
		"стереть и пару ключей профиля"},
	{"cli.logout.none",
		"Not logged in (profile %s).",
		"Вход не выполнен (профиль %s)."},
	{"cli.logout.done",
		"Logged out of %s (profile %s).",
		"Выход из %s выполнен (профиль %s)."},
	{"cli.logout.local",
		"Logged out here (profile %s); the server could not be told, so its session expires by itself.",
		"Выход выполнен здесь (профиль %s); сервер уведомить не удалось, его сеанс истечёт сам."},
	{"cli.logout.keywiped",
		"The key pair is wiped; the next login makes a new one.",
		"Пара ключей стёрта; при следующем входе будет создана новая."},
	{"cli.logout.nokey",
		"no key to sign the logout with",
		"нет ключа, чтобы подписать выход"},
	{"cli.logout.failed",
		`could not end the session on the server, so nothing was wiped: %s
Retry, or run 'fastcheck logout --forget-key' to wipe the key as well, which makes the session useless`,
		`не удалось завершить сеанс на сервере, поэтому ничего не стёрто: %s
Повторите или выполните 'fastcheck logout --forget-key', чтобы стереть и ключ: без него сеанс бесполезен`},
	{"cli.logout.warnforget",
		"warning: could not end the session on the server (%s); wiping the key makes it useless",
		"предупреждение: не удалось завершить сеанс на сервере (%s); без ключа он бесполезен"},
	{"cli.whoami.summary",
		"show the profile, server, session state and key fingerprint",
		"показать профиль, сервер, состояние сеанса и отпечаток ключа"},
	{"cli.whoami.about",
		`Shows which profile and server are in use, whether the server answers,
whether the profile is logged in (asking the server), as whom, and the key
fingerprint. Exits 0 when logged in, 3 when not, 1 when it cannot tell
(the server is unreachable).`,
		`Показывает, какие профиль и сервер используются, отвечает ли сервер,
выполнен ли вход в профиль (спрашивая сервер), от чьего имени, и отпечаток
ключа. Код выхода 0, если вход выполнен, 3 — если нет, 1 — если узнать
нельзя (сервер недоступен).`},
	{"cli.whoami.reachable",
		"reachable",
		"доступен"},
	{"cli.whoami.unreachable",
		"NOT reachable: %s",
		"НЕДОСТУПЕН: %s"},
	{"cli.whoami.nokey",
		"- (no key yet; login makes one)",
		"- (ключа пока нет; его создаст login)"},
	{"cli.whoami.active",
		"logged in until %s",
		"вход выполнен до %s"},
	{"cli.whoami.none",
		"not logged in",
		"вход не выполнен"},
	{"cli.whoami.ended",
		"ended (logged out on the server)",
		"завершён (выход на сервере)"},
	{"cli.whoami.expired",
		"expired",
		"истёк"},
	{"cli.whoami.unknown",
		"unknown: %s",
		"неизвестно: %s"},
	{"cli.whoami.profile",
		"Profile",
		"Профиль"},
	{"cli.whoami.server",
		"Server",
		"Сервер"},
	{"cli.whoami.storage",
		"Storage",
		"Хранилище"},
	{"cli.whoami.fingerprint",
		"Fingerprint",
		"Отпечаток"},
	{"cli.whoami.session",
		"Session",
		"Сеанс"},
	{"cli.whoami.user",
		"User",
		"Пользователь"},
	{"cli.whoami.login",
		"Run '%s' to log in.",
		"Чтобы войти, выполните '%s'."},
	{"cli.profile.summary",
		"list the named profiles, pick the default one, remove one",
		"профили: список, выбор профиля по умолчанию, удаление"},
	{"cli.profile.about",
		"A profile is one account on one server: its own key pair and session in the\nkeyring, and its server in the config file (`fastcheck login --profile NAME\n--server URL` makes one). Pick a profile for one command with --profile NAME\nor $%s.\n\n  list          the profiles in the config file (--names: names only)\n  use NAME      make NAME the default profile\n  remove NAME   log NAME out (also on the server, if it answers), wipe its\n                key pair and session, and drop it from the config file",
		"Профиль — это один аккаунт на одном сервере: своя пара ключей и свой сеанс в\nсвязке ключей и свой сервер в файле конфигурации (его создаёт\n`fastcheck login --profile NAME --server URL`). Профиль для одной команды\nвыбирается через --profile NAME или $%s.\n\n  list          профили из файла конфигурации (--names: только имена)\n  use NAME      сделать NAME профилем по умолчанию\n  remove NAME   выйти из NAME (и на сервере, если он отвечает), стереть его\n                пару ключей и сеанс и убрать его из файла конфигурации"},
	{"cli.profile.flagnames",
		"list: print the profile names only, one a line",
		"list: вывести только имена профилей, по одному в строке"},
	{"cli.profile.args",
		"give list, use NAME or remove NAME",
		"укажите list, use NAME или remove NAME"},
	{"cli.profile.wrongargs",
		"wrong arguments for %s",
		"неверные аргументы для %s"},
	{"cli.profile.unknownsub",
		"unknown subcommand %q (list, use, remove)",
		"неизвестная подкоманда %q (list, use, remove)"},
	{"cli.profile.none",
		"No profiles yet; 'fastcheck login' makes %q. Config file: %s",
		"Профилей пока нет; 'fastcheck login' создаст %q. Файл конфигурации: %s"},
	{"cli.profile.colprofile",
		"PROFILE",
		"ПРОФИЛЬ"},
	{"cli.profile.colserver",
		"SERVER",
		"СЕРВЕР"},
	{"cli.profile.colstorage",
		"STORAGE",
		"ХРАНИЛИЩЕ"},
	{"cli.profile.keyring",
		"OS keyring",
		"связка ключей ОС"},
	{"cli.profile.file",
		"file (insecure)",
		"файл (небезопасно)"},
	{"cli.profile.legend",
		"* is the default. Config file: %s",
		"* — профиль по умолчанию. Файл конфигурации: %s"},
	{"cli.profile.used",
		"The default profile is now %s.",
		"Профиль по умолчанию теперь %s."},
	{"cli.profile.removed",
		"Removed profile %s: its key pair and session are wiped.",
		"Профиль %s удалён: его пара ключей и сеанс стёрты."},
	{"cli.completion.summary",
		"print a shell completion script",
		"вывести скрипт автодополнения для оболочки"},
	{"cli.completion.about",
		`Prints the completion script for bash, zsh or fish: commands, their flags,
and the values of flags that take a fixed set (--format, --type, --status,
--lang, --profile from your config).`,
		`Выводит скрипт автодополнения для bash, zsh или fish: команды, их флаги и
значения флагов с фиксированным набором (--format, --type, --status, --lang,
--profile из вашей конфигурации).`},
	{"cli.completion.args",
		"give one shell: bash, zsh or fish",
		"укажите одну оболочку: bash, zsh или fish"},
	{"cli.completion.badshell",
		"unknown shell %q (bash, zsh or fish)",
		"неизвестная оболочка %q (bash, zsh или fish)"},
	{"cli.profile.badname",
		"profile name %q must be 1 to 64 letters, digits, '.', '_' or '-'",
		"имя профиля %q должно состоять из 1–64 букв, цифр, '.', '_' или '-'"},
	{"cli.phone.usage",
		`Usage: fastcheck phone <command> [flags]

Acts as the Fastcheck phone app, which owns an account and approves
terminal logins.

Commands:
  register   make a phone identity (an Ed25519 key) and print its userId
  approve    approve a login QR: show the terminal's key fingerprint and IP, then sign

Examples:
  fastcheck phone register
  fastcheck phone register --name work --key-file ~/phone-work.key
  fastcheck phone approve http://127.0.0.1:8080/api/approve/1AF3781BF6B94604B771AEA1D44FA63A
  fastcheck phone approve --demo alice --yes 1AF3781BF6B94604B771AEA1D44FA63A`,
		`Использование: fastcheck phone <команда> [флаги]

Работает как приложение Fastcheck на телефоне: владеет аккаунтом и
подтверждает вход с терминалов.

Команды:
  register   создать личность телефона (ключ Ed25519) и вывести её userId
  approve    подтвердить QR-код входа: показать отпечаток ключа и IP терминала, затем подписать

Примеры:
  fastcheck phone register
  fastcheck phone register --name work --key-file ~/phone-work.key
  fastcheck phone approve http://127.0.0.1:8080/api/approve/1AF3781BF6B94604B771AEA1D44FA63A
  fastcheck phone approve --demo alice --yes 1AF3781BF6B94604B771AEA1D44FA63A`},
	{"cli.phone.flagname",
		"name of the phone identity in the keyring",
		"имя личности телефона в связке ключей"},
	{"cli.phone.flagkeyfile",
		"keep the phone key in this file (mode 0600) instead of the keyring",
		"хранить ключ телефона в этом файле (права 0600), а не в связке ключей"},
	{"cli.phone.flagdemo",
		"use a demo user's built-in phone identity (alice, bob or support; demo servers only)",
		"встроенная личность телефона демо-пользователя (alice, bob или support; только для демо-серверов)"},
	{"cli.phone.flaginsecure",
		"keep keys in a 0600 file when no OS keyring is available",
		"хранить ключи в файле с правами 0600, если связки ключей ОС нет"},
	{"cli.phone.nodemouser",
		"no demo user %q (there are: %s)",
		"нет демо-пользователя %q (есть: %s)"},
	{"cli.phone.nokeyfile",
		"no phone key at %s; run: %s",
		"в %s нет ключа телефона; выполните: %s"},
	{"cli.phone.noidentity",
		"no phone identity %q; run: %s",
		"нет личности телефона %q; выполните: %s"},
	{"cli.phone.demoidentity",
		"the built-in demo identity %s",
		"встроенная демо-личность %s"},
	{"cli.phone.registerusage",
		`Usage: fastcheck phone register [--name NAME | --key-file PATH] [--json]

Makes a phone identity: an Ed25519 key whose public half is your userId.
Running it again shows the existing identity.`,
		`Использование: fastcheck phone register [--name NAME | --key-file PATH] [--json]

Создаёт личность телефона: ключ Ed25519, открытая половина которого — ваш userId.
Повторный запуск показывает существующую личность.`},
	{"cli.phone.registered",
		"Registered a new phone identity in %s.",
		"Новая личность телефона создана; хранится в: %s."},
	{"cli.phone.exists",
		"This phone identity already exists in %s.",
		"Эта личность телефона уже есть; хранится в: %s."},
	{"cli.phone.firstlogin",
		"Your account opens when this phone approves its first login.",
		"Аккаунт откроется, когда этот телефон подтвердит первый вход."},
	{"cli.phone.flagserver",
		"server base URL for a bare session id (default $FASTCHECK_SERVER or http://127.0.0.1:8080/api)",
		"базовый URL сервера для голого id сеанса (по умолчанию $FASTCHECK_SERVER или http://127.0.0.1:8080/api)"},
	{"cli.phone.flagyes",
		"approve without asking",
		"подтвердить без вопроса"},
	{"cli.phone.flagjson",
		"print machine-readable JSON only (needs --yes)",
		"выводить только машиночитаемый JSON (нужен --yes)"},
	{"cli.phone.approveusage",
		`Usage: fastcheck phone approve [flags] <QR URL or session id>

Shows the terminal's key fingerprint and IP address, asks you to compare the
fingerprint with the one the terminal shows, then approves the login.`,
		`Использование: fastcheck phone approve [флаги] <ссылка из QR-кода или id сеанса>

Показывает отпечаток ключа и IP-адрес терминала, просит сравнить отпечаток с
тем, что показывает терминал, затем подтверждает вход.`},
	{"cli.phone.approveargs",
		"give one QR URL or session id",
		"укажите одну ссылку из QR-кода или id сеанса"},
	{"cli.phone.badtarget",
		"%q is neither a login QR URL nor a session id",
		"%q — не ссылка из QR-кода входа и не id сеанса"},
	{"cli.phone.request",
		"Login request %s",
		"Запрос на вход %s"},
	{"cli.phone.fingerprint",
		"terminal key fingerprint:",
		"отпечаток ключа терминала:"},
	{"cli.phone.ip",
		"from IP address:",
		"с IP-адреса:"},
	{"cli.phone.expires",
		"expires:",
		"истекает:"},
	{"cli.phone.notpending",
		"this login is %s, not waiting for approval",
		"этот вход в состоянии %s и не ждёт подтверждения"},
	{"cli.phone.ask",
		"Does the terminal show the same fingerprint? Approve?",
		"Терминал показывает тот же отпечаток? Подтвердить?"},
	{"cli.phone.no",
		"Not approved.",
		"Не подтверждено."},
	{"cli.phone.approved",
		"Approved: the terminal is now logged in as %s.",
		"Подтверждено: терминал вошёл как %s."},
	{"cli.server.flagaddr",
		"address to listen on",
		"адрес, на котором слушать"},
	{"cli.server.flagdb",
		"SQLite database file, or a postgres:// (postgresql://) URL for PostgreSQL",
		"файл базы SQLite или URL postgres:// (postgresql://) для PostgreSQL"},
	{"cli.server.flagdemo",
		"seed the demo users (alice and bob, %s each) and their phone identities",
		"создать демо-пользователей (alice и bob, по %s у каждого) и их личности телефонов"},
	{"cli.server.flagbasepath",
		"second mount point of the API (the spec's root is fastcheck.store/api)",
		"второй путь монтирования API (корень по спецификации — fastcheck.store/api)"},
	{"cli.server.flagwsttl",
		"how long a login QR stays valid",
		"сколько действует QR-код входа"},
	{"cli.server.flagsessttl",
		"how long an approved session stays valid",
		"сколько действует подтверждённый сеанс"},
	{"cli.server.flagcheckttl",
		"how long a check lives before its money goes back",
		"сколько живёт чек, прежде чем деньги вернутся"},
	{"cli.server.flagpublicurl",
		"base URL to put in login QR codes (default: as the client reached us)",
		"базовый URL для QR-кодов входа (по умолчанию — тот, по которому пришёл клиент)"},
	{"cli.server.flagtrustproxy",
		"take client IP and scheme from X-Forwarded-* (only behind your own proxy)",
		"брать IP клиента и схему из X-Forwarded-* (только за своим прокси)"},
	{"cli.server.flagloglevel",
		"debug, info, warn or error",
		"debug, info, warn или error"},
	{"cli.server.badbasepath",
		"--base-path must be letters, digits and . _ ~ - between slashes, like /api, not %q",
		"--base-path состоит из букв, цифр и . _ ~ - между косыми чертами, например /api, а не %q"},
	{"cli.server.badloglevel",
		"--log-level must be debug, info, warn or error, not %q",
		"--log-level может быть debug, info, warn или error, а не %q"},
	{"cli.server.usage",
		`Usage: fastcheck server [flags]
       fastcheck server audit --db PATH|URL [--json]
       fastcheck server migrate --db PATH|URL
       fastcheck server audit-log --db PATH|URL [--since AGE|TIME] [--json]

Runs the reference Fastcheck server: every API of the spec on a
double-entry ledger in SQLite (one server process), or in PostgreSQL when
--db is a postgres:// URL (any number of replicas may share it). Schema
migrations apply at startup, or with "server migrate".`,
		`Использование: fastcheck server [флаги]
       fastcheck server audit --db PATH|URL [--json]
       fastcheck server migrate --db PATH|URL
       fastcheck server audit-log --db PATH|URL [--since AGE|TIME] [--json]

Запускает эталонный сервер Fastcheck: все API спецификации поверх журнала
двойной записи в SQLite (один процесс сервера) или в PostgreSQL, если --db —
URL postgres:// (базу могут делить сколько угодно реплик). Миграции схемы
применяются при запуске или командой "server migrate".`},
	{"cli.server.flagauditjson",
		"print the report as JSON",
		"вывести отчёт в JSON"},
	{"cli.server.auditusage",
		`Usage: fastcheck server audit --db PATH|URL [--json]

Checks every ledger invariant on a database (conservation, no negative
balance, single resolution, journal replay, balanced transactions, expiry,
monotonic status). Exits 0 when all hold, 1 on any violation.`,
		`Использование: fastcheck server audit --db PATH|URL [--json]

Проверяет все инварианты журнала в базе (сохранение денег, отсутствие
отрицательных балансов, единственное завершение, повтор журнала,
сбалансированные транзакции, истечение, монотонность статусов). Код выхода
0, если все выполнены, 1 при любом нарушении.`},
	{"cli.server.migrateusage",
		`Usage: fastcheck server migrate --db PATH|URL

Applies the ledger's schema migrations (the server also applies them when
it starts) and prints the schema version. An SQLite file is created if it
does not exist. On PostgreSQL an advisory lock keeps concurrent migrations
from racing.`,
		`Использование: fastcheck server migrate --db PATH|URL

Применяет миграции схемы журнала (сервер применяет их и при запуске) и
выводит версию схемы. Файл SQLite создаётся, если его нет. В PostgreSQL
рекомендательная блокировка не даёт одновременным миграциям мешать друг другу.`},
	{"cli.server.migrated",
		"%s %s: schema version %d",
		"%s %s: версия схемы %d"},
	{"cli.audit.counts",
		"accounts %d, checks %d, transactions %d, entries %d",
		"счетов: %d, чеков: %d, транзакций: %d, проводок: %d"},
	{"cli.audit.totals",
		"%s: users %s + active checks %s + pending withdrawals %s = inflows %s - outflows %s (escrow %s)",
		"%s: пользователи %s + активные чеки %s + выводы в обработке %s = поступления %s - выплаты %s (депонировано %s)"},
	{"cli.audit.ok",
		"OK: every invariant holds",
		"OK: все инварианты выполнены"},
	{"cli.audit.violations",
		"VIOLATIONS: %d",
		"НАРУШЕНИЙ: %d"},
	{"cli.ssh.flagaddr",
		"address the SSH server listens on",
		"адрес, на котором слушает SSH-сервер"},
	{"cli.ssh.flagserver",
		"the Fastcheck API every wallet talks to (default $FASTCHECK_SERVER, else %s)",
		"API Fastcheck, с которым работает каждый кошелёк (по умолчанию $FASTCHECK_SERVER, иначе %s)"},
	{"cli.ssh.flagdemo",
		"run an embedded server with the demo users, shared by every visitor, and offer the demo approve key",
		"запустить встроенный сервер с демо-пользователями, общий для всех посетителей, и предложить демо-клавишу подтверждения"},
	{"cli.ssh.flagdemoaddr",
		"with --demo: where the embedded server listens; if that port is taken, any free one",
		"с --demo: адрес встроенного сервера; если порт занят — любой свободный"},
	{"cli.ssh.flagdemodb",
		"with --demo: keep the demo's database in this SQLite file (default: a new temporary one)",
		"с --demo: хранить базу демо в этом файле SQLite (по умолчанию — новый временный)"},
	{"cli.ssh.flaghostkey",
		"the server's host key, made if missing (default %s)",
		"ключ хоста сервера, создаётся, если его нет (по умолчанию %s)"},
	{"cli.ssh.flagauthkeys",
		"only the keys in this authorized_keys file may connect (default: anyone may)",
		"подключаться могут только ключи из этого файла authorized_keys (по умолчанию — кто угодно)"},
	{"cli.ssh.flagmaxsessions",
		"sessions at once; one more is refused with a message",
		"сеансов одновременно; следующий получает отказ с сообщением"},
	{"cli.ssh.flagrate",
		"new connections a minute from one IP address, in bursts of as many (0: no limit)",
		"новых подключений в минуту с одного IP-адреса, пачками до того же числа (0 — без ограничения)"},
	{"cli.ssh.flagidle",
		"end a session after this long without a key press",
		"завершать сеанс после такого времени без нажатий клавиш"},
	{"cli.ssh.flagallowhttp",
		"allow a plain http:// --server that is not on loopback",
		"разрешить обычный http:// в --server не на loopback"},
	{"cli.ssh.usage",
		`Usage: fastcheck ssh [--addr HOST:PORT] [--server URL | --demo] [flags]

Serves the wallet over SSH: every visitor gets a wallet of their own, with a
signing key made for that SSH session and forgotten when it ends. Visitors
connect with any SSH client, from a terminal (a PTY is required):
  ssh -p 23234 HOST

With --demo, every visitor shares one embedded server with the demo users,
and the login screen's demo key approves as alice; connect as bob@HOST to
log in as bob. Checks written by one visitor can be accepted by another.

The host key is kept in the data dir. Without --authorized-keys anyone who
can reach the address may connect. SIGINT or SIGTERM ends every session
with a goodbye, then stops.`,
		`Использование: fastcheck ssh [--addr HOST:PORT] [--server URL | --demo] [флаги]

Кошелёк по SSH: каждый посетитель получает свой кошелёк с ключом подписи,
созданным для этого SSH-сеанса и забываемым, когда он заканчивается.
Подключиться можно любым SSH-клиентом из терминала (нужен PTY):
  ssh -p 23234 HOST

С --demo все посетители делят один встроенный сервер с демо-пользователями,
а демо-клавиша на экране входа подтверждает вход как alice; подключитесь как
bob@HOST, чтобы войти как bob. Чек, выписанный одним посетителем, может
принять другой.

Ключ хоста хранится в каталоге данных. Без --authorized-keys подключиться
может любой, кому доступен адрес. SIGINT или SIGTERM завершает все сеансы с
прощанием, затем сервер останавливается.`},
	{"cli.ssh.serverdemo",
		"--server and --demo exclude each other: --demo runs its own server",
		"--server и --demo несовместимы: --demo запускает собственный сервер"},
	{"cli.ssh.badmaxsessions",
		"--max-sessions must be at least 1",
		"--max-sessions должен быть не меньше 1"},
	{"cli.ssh.badrate",
		"--rate-limit must be 0 (no limit) or more",
		"--rate-limit должен быть 0 (без ограничения) или больше"},
	{"cli.sim.flagstate",
		"JSON `FILE` to keep accounts, orders and transfers in across restarts (default: memory only)",
		"JSON-файл `FILE`, где счета, заказы и переводы переживают перезапуск (по умолчанию — только в памяти)"},
	{"cli.sim.flagstep",
		"TOTP step of the keys (shorter only for tests)",
		"шаг TOTP ключей (короче — только для тестов)"},
	{"cli.sim.flagaccount",
		"create this merchant account `ID` at start (with --backurl; the secret from --secret or $%s, or a new one, printed)",
		"создать при запуске счёт продавца `ID` (с --backurl; секрет из --secret или $%s, иначе новый, он будет выведен)"},
	{"cli.sim.flagsecret",
		"the secret of --account (default $%s)",
		"секрет счёта --account (по умолчанию $%s)"},
	{"cli.sim.flagbackurl",
		"callback `URL` of --account, e.g. http://127.0.0.1:8080/callbacks/briacoin",
		"`URL` обратного вызова для --account, например http://127.0.0.1:8080/callbacks/briacoin"},
	{"cli.sim.usage",
		`Usage: fastcheck briacoin-sim [flags]
       fastcheck briacoin-sim pay [--sim URL] [--json] WALLET COINS

Runs a simulator of the Briacoin payment service: its one POST endpoint
with every method of the document (createaccount, updateaccount,
getaccountbalance, createorder, getorderstatus, transfertoaddress), TOTP
keys that are refused when wrong or reused, orders paid in parts (new ->
part -> close), and success callbacks to each account's backurl, retried
with backoff. POST /sim/pay {"wallet","amount"} (or "briacoin-sim pay")
simulates coins arriving at an order's wallet; GET /sim/state shows the
state without secrets. "fastcheck server --demo" embeds one at /briacoin/.`,
		`Использование: fastcheck briacoin-sim [флаги]
       fastcheck briacoin-sim pay [--sim URL] [--json] WALLET COINS

Запускает симулятор платёжного сервиса Briacoin: его единственную точку POST
со всеми методами из документации (createaccount, updateaccount,
getaccountbalance, createorder, getorderstatus, transfertoaddress), ключи
TOTP, которые отклоняются при ошибке или повторе, оплату заказов частями
(new -> part -> close) и обратные вызовы об успехе на backurl каждого счёта,
с повторами и паузами. POST /sim/pay {"wallet","amount"} (или
"briacoin-sim pay") имитирует поступление монет на кошелёк заказа;
GET /sim/state показывает состояние без секретов. "fastcheck server --demo"
встраивает его по адресу /briacoin/.`},
	{"cli.sim.needsbackurl",
		"--account needs --backurl",
		"--account требует --backurl"},
	{"cli.sim.account",
		"Account %d, secret %s (give it to the server as $%s)",
		"Счёт %d, секрет %s (передайте его серверу в $%s)"},
	{"cli.sim.flagsim",
		"the simulator's root `URL` (default $%s, then %s, the demo server's)",
		"корневой `URL` симулятора (по умолчанию $%s, затем %s — симулятор демо-сервера)"},
	{"cli.sim.flagjson",
		"print the order's status as JSON",
		"вывести статус заказа в JSON"},
	{"cli.sim.payusage",
		`Usage: fastcheck briacoin-sim pay [--sim URL] [--json] WALLET COINS

Simulates COINS (a decimal: 2.5) arriving at an order's WALLET: the order's
paid sum grows, its status moves new -> part -> close (more than asked is an
over-payment), and the simulator sends the success callback.`,
		`Использование: fastcheck briacoin-sim pay [--sim URL] [--json] WALLET COINS

Имитирует поступление COINS монет (десятичное число: 2.5) на кошелёк заказа
WALLET: оплаченная сумма заказа растёт, статус меняется new -> part -> close
(больше запрошенного — переплата), и симулятор отправляет обратный вызов об
успехе.`},
	{"cli.sim.payargs",
		"give a wallet and an amount of coins, like: BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 2.5",
		"укажите кошелёк и число монет, например: BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 2.5"},
	{"cli.sim.badcoins",
		"%q is not a positive amount of coins",
		"%q — не положительное число монет"},
	{"cli.sim.paid",
		"Paid %s coins to order %d: %s of %s paid, status %s.",
		"Зачислено %s BRC на заказ %d: оплачено %s из %s, статус %s."},
	{"cli.pay.flagsandbox",
		"serve the sandbox bank at /bank/ and take card top-ups through it (default on with --demo)",
		"запустить песочницу банка на /bank/ и принимать через неё пополнения картой (с --demo включено)"},
	{"cli.pay.flagbankurl",
		"a sandbox-compatible bank elsewhere, `URL` of its root (instead of --sandbox-bank)",
		"совместимый с песочницей банк в другом месте, `URL` его корня (вместо --sandbox-bank)"},
	{"cli.pay.flagwebhook",
		"HMAC `SECRET` of the bank's webhooks (default $%s; with --sandbox-bank: random per start)",
		"HMAC-секрет `SECRET` вебхуков банка (по умолчанию $%s; с --sandbox-bank — случайный при каждом запуске)"},
	{"cli.pay.flagapikey",
		"bearer `KEY` for the bank's API (default $%s)",
		"bearer-ключ `KEY` для API банка (по умолчанию $%s)"},
	{"cli.pay.flagsim",
		"serve the Briacoin simulator at /briacoin/ and use it, with the merchant account created in it (default on with --demo)",
		"запустить симулятор Briacoin на /briacoin/ и работать с ним, со счётом продавца в нём (с --demo включено)"},
	{"cli.pay.flagsimstate",
		"`FILE` the embedded simulator keeps its state in (default: next to an SQLite --db; none for PostgreSQL)",
		"файл `FILE` состояния встроенного симулятора (по умолчанию — рядом с базой SQLite --db; для PostgreSQL — нет)"},
	{"cli.pay.flagbriaurl",
		"the Briacoin API `URL` (default $%s; the embedded simulator's with --briacoin-sim)",
		"`URL` API Briacoin (по умолчанию $%s; с --briacoin-sim — встроенного симулятора)"},
	{"cli.pay.flagaccount",
		"the merchant account's userid (default $%s; 1 with --briacoin-sim)",
		"userid счёта продавца (по умолчанию $%s; с --briacoin-sim — 1)"},
	{"cli.pay.flagsecret",
		"the merchant account's TOTP `SECRET` (default $%s; prefer the variable: flags show in ps)",
		"TOTP-секрет `SECRET` счёта продавца (по умолчанию $%s; лучше переменная: флаги видны в ps)"},
	{"cli.pay.flagrate",
		"the exchange `RATE`, e.g. \"1 coin = 100.00 RUB\" (default $%s; %s with --briacoin-sim)",
		"курс обмена `RATE`, например \"1 coin = 100.00 RUB\" (по умолчанию $%s; с --briacoin-sim — %s)"},
	{"cli.pay.flagstep",
		"TOTP step of the Briacoin keys; shorter only for tests and demos with the embedded simulator",
		"шаг TOTP ключей Briacoin; короче — только для тестов и демо со встроенным симулятором"},
	{"cli.pay.flagreconcile",
		"how often open top-ups and unknown withdrawals are reconciled",
		"как часто сверять открытые пополнения и выводы с неизвестным исходом"},
	{"cli.pay.flagtopupttl",
		"how long a top-up waits for its payment (money arriving later is still credited)",
		"сколько пополнение ждёт оплату (деньги, пришедшие позже, всё равно зачисляются)"},
	{"cli.pay.flagtimeout",
		"how long one Briacoin call may take before its outcome counts as unknown",
		"сколько может длиться один вызов Briacoin, прежде чем его исход считается неизвестным"},
	{"cli.server.flagstaff",
		"comma-separated `USERIDS` of support staff: they may use the read-only staff API, and every read is logged (see server audit-log); --demo adds the demo's \"support\"",
		"`USERIDS` сотрудников поддержки через запятую: им доступен API поддержки только для чтения, и каждое чтение записывается в журнал (см. server audit-log); --demo добавляет демо-пользователя \"support\""},
	{"cli.support.about",
		`For support staff: the server lists their userIds (fastcheck server --staff).
Staff log in with the same QR as everyone (fastcheck login); anyone else
gets "forbidden". Everything here only reads, and the server writes every
read to its staff audit log (fastcheck server audit-log) before it reads.
Check codes are never shown.

With no subcommand it opens the wallet's full-screen staff view (marked
STAFF, read-only): search accounts by userId prefix, read one (balance,
active checks, history, failed accepts and locked checks), look up a check.
With --demo it starts the embedded demo server and logs in as its demo
"support" identity.

  find PREFIX      accounts whose userId starts with PREFIX (at least 4
                   characters); at most 50, and says when there are more
  account USERID   an account: balance, active checks (locked ones marked),
                   history and failed accepts of the last 7 days
  check NUMBER     any check: amount, state, creator, redeemer, wrong codes`,
		`Для сотрудников поддержки: их userId перечисляет сервер (fastcheck server --staff).
Сотрудники входят по тому же QR-коду, что и все (fastcheck login); остальные
получат "forbidden". Здесь всё только читает, а сервер записывает каждое
чтение в журнал просмотров сотрудников (fastcheck server audit-log) до
самого чтения. Коды чеков не показываются никогда.

Без подкоманды открывает полноэкранный просмотр для поддержки (с пометкой
ПЕРСОНАЛ, только чтение): поиск счетов по началу userId, просмотр счёта
(баланс, активные чеки, история, неудачные попытки приёма и заблокированные
чеки), поиск чека. С --demo запускает встроенный демо-сервер и входит под
его демо-личностью "support".

  find PREFIX      счета, чей userId начинается с PREFIX (не меньше 4
                   символов); не больше 50, и скажет, если есть ещё
  account USERID   счёт: баланс, активные чеки (заблокированные отмечены),
                   история и неудачные попытки приёма за последние 7 дней
  check NUMBER     любой чек: сумма, состояние, создатель, получатель,
                   неверные коды`},
	{"cli.support.flagdemo",
		"the full-screen view of an embedded demo server, as its \"support\" identity",
		"полноэкранный просмотр встроенного демо-сервера под его личностью \"support\""},
	{"cli.support.demosub",
		"--demo opens the full-screen view; it takes no subcommand",
		"--demo открывает полноэкранный просмотр; подкоманды с ним не нужны"},
	{"cli.support.onearg",
		"%s takes one argument",
		"%s принимает один аргумент"},
	{"cli.support.unknownsub",
		"unknown subcommand %q (find, account, check)",
		"неизвестная подкоманда %q (find, account, check)"},
	{"cli.support.badprefix",
		"%q is not the start of a userId: 4 to 43 characters of A-Z, a-z, 0-9, + and /",
		"%q — не начало userId: от 4 до 43 символов из A-Z, a-z, 0-9, + и /"},
	{"cli.support.baduserid",
		"%q is not a userId: 43 characters of base64 (an Ed25519 public key)",
		"%q — не userId: 43 символа base64 (открытый ключ Ed25519)"},
	{"cli.support.nomatch",
		"No account's userId starts with %s.",
		"Нет счетов, чей userId начинается с %s."},
	{"cli.support.colbalance",
		"BALANCE",
		"БАЛАНС"},
	{"cli.support.colopened",
		"OPENED",
		"ОТКРЫТ"},
	{"cli.support.more",
		"More match: give a longer prefix.",
		"Подходят и другие: укажите начало длиннее."},
	{"cli.support.account",
		"Account",
		"Счёт"},
	{"cli.support.balance",
		"Balance",
		"Баланс"},
	{"cli.support.opened",
		"Opened",
		"Открыт"},
	{"cli.support.active",
		"Active checks (%d):",
		"Активные чеки (%d):"},
	{"cli.support.colwrong",
		"WRONG CODES",
		"НЕВЕРНЫХ КОДОВ"},
	{"cli.support.history",
		"History (%d):",
		"История (%d):"},
	{"cli.support.historymore",
		"History (%d, the newest; there is more):",
		"История (%d, самые новые; есть ещё):"},
	{"cli.support.colrole",
		"ROLE",
		"РОЛЬ"},
	{"cli.support.colresolved",
		"RESOLVED",
		"ЗАВЕРШЁН"},
	{"cli.support.failed",
		"Failed accepts, last 7 days (%d):",
		"Неудачные попытки приёма за 7 дней (%d):"},
	{"cli.support.colwhen",
		"WHEN",
		"КОГДА"},
	{"cli.support.colreason",
		"REASON",
		"ПРИЧИНА"},
	{"cli.support.wrongcode",
		"wrong code",
		"неверный код"},
	{"cli.support.notfound",
		"no such check",
		"нет такого чека"},
	{"cli.support.wrongcodes",
		"Wrong codes",
		"Неверных кодов"},
	{"cli.support.wrongof",
		"%d of %d",
		"%d из %d"},
	{"cli.support.createdby",
		"Created by",
		"Создатель"},
	{"cli.support.acceptedby",
		"Accepted by",
		"Получатель"},
	{"cli.support.created",
		"Created",
		"Создан"},
	{"cli.support.resolved",
		"Resolved",
		"Завершён"},
	{"cli.support.noterminal",
		"the staff view needs a terminal; for scripts use find, account and check",
		"просмотру для поддержки нужен терминал; для скриптов есть find, account и check"},
	{"cli.auditlog.flagsince",
		"only entries from this `TIME` on: a date (2026-01-19), an RFC 3339 time, today, yesterday, or an age (7d, 36h)",
		"только записи начиная с `TIME`: дата (2026-01-19), время RFC 3339, today, yesterday или давность (7d, 36h)"},
	{"cli.auditlog.flaglimit",
		"print at most `N` entries, the oldest first (0: all)",
		"вывести не больше `N` записей, сначала старые (0 — все)"},
	{"cli.auditlog.flagjson",
		"print the entries as JSON",
		"вывести записи в JSON"},
	{"cli.auditlog.usage",
		`Usage: fastcheck server audit-log --db PATH|URL [--since TIME] [--limit N] [--json]

Prints the staff audit log: every read support staff made through the staff
API (who, when, what, which account or check, from which address), oldest
first. The log is kept in the ledger's database, and the database refuses
to change or delete its entries. (The ledger's own check is "server audit".)`,
		`Использование: fastcheck server audit-log --db PATH|URL [--since TIME] [--limit N] [--json]

Выводит журнал просмотров сотрудников: каждое чтение, которое поддержка
сделала через API поддержки (кто, когда, что, какой счёт или чек, с какого
адреса), сначала старые. Журнал хранится в базе журнала операций, и база не
даёт изменять или удалять его записи. (Проверка самого журнала операций —
"server audit".)`},
	{"cli.auditlog.nolog",
		"this backend keeps no staff audit log",
		"это хранилище не ведёт журнал просмотров сотрудников"},
	{"cli.auditlog.none",
		"No staff reads.",
		"Сотрудники ничего не просматривали."},
	{"cli.auditlog.colwhen",
		"WHEN (UTC)",
		"КОГДА (UTC)"},
	{"cli.auditlog.colstaff",
		"STAFF",
		"СОТРУДНИК"},
	{"cli.auditlog.colread",
		"READ",
		"ЧТЕНИЕ"},
	{"cli.auditlog.colwhat",
		"WHAT",
		"ЧТО"},
	{"cli.auditlog.colfrom",
		"FROM",
		"ОТКУДА"},
	{"ssh.shuttingdown",
		"The server is shutting down. Please try again later.",
		"Сервер останавливается. Попробуйте позже."},
	{"ssh.idle",
		"No key pressed for %s: disconnected. Come back any time.",
		"Клавиши не нажимали %s: соединение закрыто. Возвращайтесь в любое время."},
	{"ssh.goodbye",
		"The server is shutting down. Goodbye.",
		"Сервер останавливается. До свидания."},
	{"ssh.nokey",
		"The wallet cannot start: no session key. Please try again.",
		"Кошелёк не запустился: нет ключа сеанса. Попробуйте ещё раз."},
	{"ssh.cannotstart",
		"The wallet cannot start: %v",
		"Кошелёк не запустился: %v"},
	{"ssh.ratelimited",
		"Too many new connections from %s. Please wait a minute and try again.",
		"Слишком много новых подключений с %s. Подождите минуту и попробуйте снова."},
	{"ssh.full",
		"Sorry, the wallet is full (%d of %d sessions in use). Please try again in a few minutes.",
		"Извините, все места в кошельке заняты (сеансов: %d из %d). Попробуйте через несколько минут."},
	{"ssh.nopty",
		`The Fastcheck wallet is a full-screen terminal program: it needs a terminal (PTY).
Connect from a terminal, without -T or a command, or ask for one: ssh -t -p %s %s`,
		`Кошелёк Fastcheck — полноэкранная программа для терминала: ему нужен терминал (PTY).
Подключитесь из терминала без -T и без команды или запросите терминал: ssh -t -p %s %s`},
	{"ssh.hours",
		"%d hour|%d hours",
		"%d час|%d часа|%d часов"},
	{"ssh.minutes",
		"%d minute|%d minutes",
		"%d минуту|%d минуты|%d минут"},
	{"ssh.seconds",
		"%d second|%d seconds",
		"%d секунду|%d секунды|%d секунд"},
	{"cli.completion.example",
		"bash, this shell only",
		"bash, только в этой оболочке"},
	{"cli.login.example1",
		"for scripts: read approveUrl from the first line",
		"для скриптов: approveUrl — в первой строке"},
	{"cli.login.example2",
		"no OS keyring: keep the key in a 0600 file",
		"нет связки ключей ОС: ключ в файле с правами 0600"},
	{"cli.server.example",
		"also the sandbox bank at /bank/ and the Briacoin simulator at /briacoin/",
		"а также песочница банка на /bank/ и симулятор Briacoin на /briacoin/"},
	{"cli.support.example1",
		"the phone of a staff member approves",
		"подтверждает телефон сотрудника"},
	{"cli.support.example2",
		"the staff view of the demo",
		"просмотр для поддержки в демо"},
}

func init() { addMessages(cliMessages) }

// addMessages merges messages (English, then Russian) into the catalog; a
// duplicate id panics.
func addMessages(msgs []struct{ id, en, ru string }) {
	for _, m := range msgs {
		if _, dup := catalog[English][m.id]; dup {
			panic("i18n: duplicate message id " + m.id)
		}
		catalog[English][m.id] = m.en
		catalog[Russian][m.id] = m.ru
	}
}
