package server

import (
	"errors"
	"net/http"

	"fastcheck/api"
	"fastcheck/ledger"
	"fastcheck/totp"
)

// handlePhoneTOTP is POST /phone/totp (extension): the phone identity that
// signs the request (its key in Fastcheck-Key, as for /phone/approve)
// enrols an authenticator app's secret under a handle. Only a request
// signed by the same key can replace it.
func (s *Server) handlePhoneTOTP(w http.ResponseWriter, r *http.Request) {
	if !s.limit(w, s.approvalLimit, s.clientIP(r)) {
		return
	}
	c, body, ok := s.begin(w, r, keyIntro, "")
	if !ok {
		return
	}
	if s.codes.store == nil {
		writeError(w, http.StatusNotImplemented, "this server's ledger cannot store authenticator apps")
		return
	}
	obj, err := api.DecodeObject(body)
	if err == nil {
		err = obj.Only("handle", "secret")
	}
	var handle, secret string
	if err == nil {
		handle, err = obj.String("handle")
	}
	if err == nil && !ledger.ValidHandle(handle) {
		err = errors.New("handle must be 3 to 32 lower-case letters, digits or '-', not starting with '-'")
	}
	if err == nil {
		secret, err = obj.String("secret")
	}
	if err == nil {
		if secret, err = totp.NormalizeSecret(secret); err != nil || len(secret) > 64 {
			err = errors.New("secret must be base32 of 80 to 320 bits")
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	userID := api.UserID(c.pub)
	err = s.codes.store.EnrolTOTP(r.Context(), ledger.TOTPEnrolment{UserID: userID, Handle: handle, Secret: secret, CreatedAt: s.now()})
	switch {
	case errors.Is(err, ledger.ErrHandleTaken):
		writeError(w, http.StatusConflict, "the handle "+api.Quote(handle)+" is taken by another account; choose another")
	case err != nil:
		s.internalError(w, err)
	default:
		s.log.Info("authenticator app enrolled", "user", api.ShortUserID(userID), "handle", handle)
		writeJSON(w, http.StatusOK, api.TOTPEnrolResponse{Message: "ok", UserID: userID, Handle: handle})
	}
}
