package api

// TOTPEnrolRequest is POST /phone/totp (extension): the phone identity that
// signs it enrols an authenticator app's secret under a handle, which a
// person types on the approve page (GET /approve/{id}). Enrolling again
// replaces the secret and the handle.
type TOTPEnrolRequest struct {
	Handle string `json:"handle"`
	Secret string `json:"secret"` // base32, at least 80 bits
}

// TOTPEnrolResponse answers an enrolment.
type TOTPEnrolResponse struct {
	Message string `json:"message"`
	UserID  string `json:"userId"`
	Handle  string `json:"handle"`
}

// TOTPIssuer is the issuer name authenticator apps show for Fastcheck.
const TOTPIssuer = "Fastcheck"
