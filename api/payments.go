package api

// Top-ups and withdrawals (extensions of the reference server). Amounts
// are minor units of the account's currency; Briacoin amounts are exact
// decimal strings ("12.5"), never floats.

// Top-up methods.
const (
	MethodBank     = "bank"
	MethodBriacoin = "briacoin"
)

// Top-up states: a bank payment goes new → close (paid) or declined; a
// Briacoin order new → part (paid in part) → close. expired: the server
// stopped waiting; money that still arrives is credited all the same.
const (
	TopupNew      = "new"
	TopupPart     = "part"
	TopupClose    = "close"
	TopupExpired  = "expired"
	TopupDeclined = "declined"
)

// Withdrawal states. unknown: the provider's answer was lost; the server
// reconciles it and the money stays held meanwhile, never lost or sent
// twice.
const (
	WithdrawPending = "pending"
	WithdrawSent    = "sent"
	WithdrawFailed  = "failed"
	WithdrawUnknown = "unknown"
)

// TopupRequest is POST /topup.
type TopupRequest struct {
	Method   string `json:"method"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Topup is a top-up: the answer of POST /topup and GET /topup/{id}.
type Topup struct {
	ID       string `json:"id"`
	Method   string `json:"method"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Status   string `json:"status"`
	// Paid is the cumulative amount paid so far, Credited what reached the
	// balance (equal once the server has processed the payment).
	Paid      int64  `json:"paid"`
	Credited  int64  `json:"credited"`
	CreatedAt string `json:"createdAt"`
	ExpiresAt string `json:"expiresAt"`
	// Bank: the hosted payment page and the bank's transaction id.
	PaymentURL    string `json:"paymentUrl,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	// Briacoin: where to send how many coins, the order id, the coins
	// received so far, and the rate used.
	Wallet    string `json:"wallet,omitempty"`
	Coins     string `json:"coins,omitempty"`
	CoinsPaid string `json:"coinsPaid,omitempty"`
	OrderID   int64  `json:"orderId,omitempty"`
	Rate      string `json:"rate,omitempty"`
}

// Done reports whether a top-up will change no more on its own: paid in
// full and credited, declined, or expired.
func (t Topup) Done() bool {
	switch t.Status {
	case TopupClose:
		return t.Credited >= t.Paid
	case TopupDeclined, TopupExpired:
		return true
	}
	return false
}

// Topups is GET /topups.
type Topups struct {
	Topups []Topup `json:"topups"`
}

// WithdrawRequest is POST /withdraw: Amount in minor units of the
// account's currency, sent as coins at the server's rate.
type WithdrawRequest struct {
	Wallet string `json:"wallet"`
	Amount int64  `json:"amount"`
}

// Withdrawal is the answer of POST /withdraw and GET /withdraw/{ref}.
type Withdrawal struct {
	Ref       string `json:"ref"`
	Status    string `json:"status"`
	TxID      string `json:"txid"`
	Wallet    string `json:"wallet"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Coins     string `json:"coins"`
	Reason    string `json:"reason,omitempty"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	// Balance is the caller's balance when the answer was made.
	Balance *int64 `json:"balance,omitempty"`
}

// Final reports whether the withdrawal is settled: sent or failed.
func (w Withdrawal) Final() bool { return w.Status == WithdrawSent || w.Status == WithdrawFailed }
