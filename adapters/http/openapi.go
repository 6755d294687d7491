package http

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPI is the OpenAPI 3.1 description of the JSON API. It is written by
// hand; the component tests check every JSON answer they see against it,
// so a route, status or field that is not described fails them.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the description of the JSON API.
func OpenAPI() []byte { return openAPI }

// openapi serves the description to anyone. It is registered as /openapi:
// the .json suffix is stripped before routing, like every other route's.
func (h *handlers) openapi(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, jsonContentType, openAPI)
}
