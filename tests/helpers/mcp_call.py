"""Call one MCP tool over streamable HTTP with the real `mcp` client; print the text result.

mcp_call.py URL TOOL JSON_ARGUMENTS
"""

from __future__ import annotations

import asyncio
import json
import sys

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client


async def call(url: str, tool: str, arguments: dict[str, object]) -> str:
    async with streamablehttp_client(url) as (read, write, _), ClientSession(read, write) as s:
        await s.initialize()
        tools = [t.name for t in (await s.list_tools()).tools]
        assert tool in tools, tools
        result = await s.call_tool(tool, arguments)
        return "".join(getattr(part, "text", "") for part in result.content)


if __name__ == "__main__":
    print(asyncio.run(call(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))), flush=True)
