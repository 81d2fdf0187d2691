package telephony

import "github.com/callfloor/callfloor"

// The ACD's own error codes (callfloor.Error.Code; errors.go of the root lists the shared ones).
const (
	CodeOutboundOff = "outbound_not_configured" // invalid: click-to-call without acd.outbound.dial_string
	CodeNoNode      = "no_node"                 // conflict: no Asterisk node is connected
	CodeNoPhone     = "no_phone"                // invalid: a supervisor monitoring without a phone endpoint
	CodeOtherNode   = "other_node"              // conflict: the call is handled by another callfloor instance
)

func init() {
	callfloor.RegisterCode(CodeOutboundOff, callfloor.EINVALID)
	callfloor.RegisterCode(CodeNoNode, callfloor.ECONFLICT)
	callfloor.RegisterCode(CodeNoPhone, callfloor.EINVALID)
	callfloor.RegisterCode(CodeOtherNode, callfloor.ECONFLICT)
}
