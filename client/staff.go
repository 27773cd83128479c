package client

import (
	"context"
	"net/url"

	"fastcheck/api"
)

// The read-only staff API (extension). Each call needs a session of a
// userId the server lists as support staff: anyone else gets ErrForbidden.
// The server writes every read to its staff audit log before it reads, and
// refuses the read (ErrUnavailable) if it cannot. Answers never carry check
// codes.

// StaffFindAccounts lists the accounts whose userId starts with prefix
// (GET /staff/accounts?prefix=), at most the server's limit; more is true
// when more match than are listed.
func (c *Client) StaffFindAccounts(ctx context.Context, prefix string) (accounts []api.StaffAccountRow, more bool, err error) {
	cl := &call{method: "GET", path: "/staff/accounts", auth: signedAuth}
	if err := api.CheckUserIDPrefix(prefix); err != nil {
		return nil, false, localError(cl, ErrBadRequest, err.Error())
	}
	cl.query = url.Values{"prefix": {prefix}}
	var res api.StaffAccounts
	err = c.do(ctx, cl, &res)
	return res.Accounts, res.More, err
}

// StaffAccount reads one account: its balance, active checks (locked ones
// marked), history and recent failed accepts (GET /staff/account?userId=).
func (c *Client) StaffAccount(ctx context.Context, userID string) (api.StaffAccount, error) {
	var res api.StaffAccount
	cl := &call{method: "GET", path: "/staff/account", auth: signedAuth}
	if _, err := api.ParseUserID(userID); err != nil {
		return res, localError(cl, ErrBadRequest, err.Error())
	}
	cl.query = url.Values{"userId": {userID}}
	err := c.do(ctx, cl, &res)
	return res, err
}

// StaffCheck reads any check by its number, with its creator, redeemer and
// failed attempts (GET /staff/check/{number}). number may be typed loosely.
func (c *Client) StaffCheck(ctx context.Context, number string) (api.StaffCheck, error) {
	var res api.StaffCheck
	n, err := api.NormalizeCheckNumber(number)
	cl := &call{method: "GET", path: "/staff/check/" + url.PathEscape(n), auth: signedAuth}
	if err != nil {
		cl.path = "/staff/check/{number}"
		return res, localError(cl, ErrBadRequest, err.Error())
	}
	err = c.do(ctx, cl, &res)
	return res, err
}
