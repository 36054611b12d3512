// The dashboard is a single-page app over the JSON API: nothing is rendered
// on the server or prerendered (the C++ server serves index.html for every
// client-side route).
export const ssr = false;
export const prerender = false;
