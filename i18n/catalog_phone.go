package i18n

// The CLI's authenticator app enrolment (`phone register --totp`) and the
// demo's --totp and --public-url: each message with its English and
// Russian text, merged into the catalog.
var phoneMessages = []struct{ id, en, ru string }{
	{"cli.phone.totpusage",
		`With --totp it also enrols an authenticator app (Google Authenticator, Aegis,
FreeOTP...) so that you can approve logins in your phone's browser: it makes a
secret, registers it with the server (signed by this phone key; enrolling again
replaces it) and prints the otpauth:// QR code to scan. On the page the login
QR opens, type the account handle (--handle, default: the first 8 characters
of this phone's fingerprint) and the app's 6-digit code.
  fastcheck phone register --totp --handle mike --server https://fastcheck.example/api`,
		`С --totp также подключает приложение-аутентификатор (Google Authenticator,
Aegis, FreeOTP...), чтобы подтверждать входы в браузере телефона: создаёт
секрет, регистрирует его на сервере (запрос подписан ключом телефона; повторная
регистрация заменяет его) и выводит QR-код otpauth:// для сканирования. На
странице, которую открывает QR входа, введите имя аккаунта (--handle, по
умолчанию — первые 8 символов отпечатка этого телефона) и 6-значный код.
  fastcheck phone register --totp --handle mike --server https://fastcheck.example/api`},
	{"cli.phone.flagtotp",
		"also enrol an authenticator app for approving logins in the phone's browser",
		"также подключить приложение-аутентификатор для подтверждения входа в браузере телефона"},
	{"cli.phone.flaghandle",
		"with --totp: the account handle to type on the approve page (3-32 of a-z, 0-9, -)",
		"с --totp: имя аккаунта для страницы подтверждения (3–32 символа из a-z, 0-9, -)"},
	{"cli.phone.needtotp",
		"--handle and --server need --totp",
		"--handle и --server нужны только с --totp"},
	{"cli.phone.totpscan",
		"Scan this QR code with your authenticator app:",
		"Отсканируйте этот QR-код приложением-аутентификатором:"},
	{"cli.phone.totphandle",
		"  Account handle for the approve page: %s",
		"  Имя аккаунта для страницы подтверждения: %s"},
	{"cli.phone.totpenrolled",
		"Authenticator app enrolled for %s on %s. To approve a login, open its QR on your phone and type the handle and the app's code; enrolling again replaces this app.",
		"Приложение-аутентификатор подключено для %s на %s. Чтобы подтвердить вход, откройте его QR на телефоне и введите имя аккаунта и код из приложения; повторное подключение заменит это приложение."},
	{"cli.demo.flagtotp",
		"first show the demo users' authenticator QR codes, to approve logins from a real phone",
		"сначала показать QR-коды аутентификатора демо-пользователей, чтобы подтверждать вход с настоящего телефона"},
	{"cli.demo.flagpublicurl",
		"the address a phone reaches this machine at, put in the login QR (e.g. http://192.168.1.20:8080; also set --addr 0.0.0.0:8080)",
		"адрес, по которому телефон видит эту машину, для QR входа (например http://192.168.1.20:8080; также задайте --addr 0.0.0.0:8080)"},
	{"cli.demo.totpuser",
		"Demo user %s:",
		"Демо-пользователь %s:"},
	{"cli.demo.totpcontinue",
		"Press Enter to open the wallet.",
		"Нажмите Enter, чтобы открыть кошелёк."},
	{"cli.demo.publicloopback",
		"--public-url %s is not on this machine's loopback, but the server listens on %s, which a phone cannot reach; add --addr 0.0.0.0:PORT",
		"--public-url %s — не локальный адрес, а сервер слушает %s, куда телефон не достучится; добавьте --addr 0.0.0.0:PORT"},
	{"cli.demo.badpublicurl",
		"--public-url %s must be an absolute http(s) URL like http://192.168.1.20:8080",
		"--public-url %s должен быть полным адресом http(s), например http://192.168.1.20:8080"},
}

func init() { addMessages(phoneMessages) }
