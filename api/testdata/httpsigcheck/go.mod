// A separate module, so that the cross-check's dependency on an independent
// RFC 9421 implementation never enters fastcheck's own go.mod. It lives under
// testdata, which the go command skips for ./... patterns; api's
// TestHTTPSigCrossCheck runs it.
module fastcheck/api/testdata/httpsigcheck

go 1.26.8

require (
	fastcheck v0.0.0
	github.com/remitly-oss/httpsig-go v1.2.0
)

require github.com/dunglas/httpsfv v1.0.2 // indirect

replace fastcheck => ../../..
