package http

import (
	"time"

	"github.com/gin-gonic/gin"
)

// RequestObserver hears every request, for metrics. It must be quick and
// safe for concurrent use.
type RequestObserver interface {
	// Request reports one answered request by its route template
	// ("/upgrades/:id", never the path, so that the set stays small;
	// "unmatched" for a request no route took) and status.
	Request(method, route string, status int, took time.Duration)
}

func observeRequests(o RequestObserver) gin.HandlerFunc {
	if o == nil {
		return func(c *gin.Context) { c.Next() }
	}
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		o.Request(c.Request.Method, route, c.Writer.Status(), time.Since(start))
	}
}
