-- wrk script: POST one ~300-byte event per request (the server generates its
-- event_id). The API key comes from UM_API_KEY. Used against UnMoGrowP and,
-- unchanged, against nginx answering `return 204;`.
local now_ms = os.time() * 1000
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Api-Key"] = os.getenv("UM_API_KEY") or "none"
wrk.body = '{"event_type":"click","timestamp":' .. now_ms ..
  ',"device_id":"6f1c2a9e-3b7d-4c55-9e21-7a0d4b8c1f35","source":"google_ads",' ..
  '"medium":"cpc","campaign":"summer_sale_2026_uac","ip":"203.0.113.42",' ..
  '"user_agent":"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)",' ..
  '"properties":{"creative":"video_15s_b"}}'
