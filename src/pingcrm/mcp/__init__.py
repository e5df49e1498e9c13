"""The MCP server (Model Context Protocol) and its access keys."""
