/** The pre-built UI stand-in's stylesheet, served as a same-origin file (`/prebuilt/app.css`); no inline styles under the CSP. */
export const PREBUILT_STYLE = `
:root { color-scheme: light dark; --accent: #1a56db; --danger: #b42318; font-family: system-ui, sans-serif; line-height: 1.45; }
body { margin: 0; background: Canvas; color: CanvasText; }
.card { max-width: 26rem; margin: 2rem auto; padding: 1.5rem; border: 1px solid color-mix(in srgb, CanvasText 20%, transparent); border-radius: 12px; }
body.popup .card { margin: 0 auto; border: 0; }
.tenant { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; opacity: .7; margin: 0 0 .75rem; }
h1 { font-size: 1.35rem; margin: 0 0 .5rem; }
h1:focus { outline: none; }
h2 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
ul { list-style: none; padding: 0; margin: 0; }
.choices li + li, .methods li + li { margin-top: .5rem; }
.methods li { display: flex; justify-content: space-between; align-items: center; gap: .75rem; }
button { font: inherit; padding: .6rem 1rem; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
.choices button { width: 100%; text-align: left; background: transparent; color: inherit; border-color: color-mix(in srgb, CanvasText 30%, transparent); }
button.secondary { background: transparent; color: var(--danger); border-color: var(--danger); padding: .35rem .75rem; }
button.link { background: none; border: 0; color: var(--accent); padding: .5rem 0; text-decoration: underline; display: block; }
button:disabled { opacity: .5; cursor: not-allowed; }
button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
input { font: inherit; width: 100%; box-sizing: border-box; padding: .55rem .6rem; border: 1px solid color-mix(in srgb, CanvasText 40%, transparent); border-radius: 8px; margin-bottom: .75rem; background: Field; color: FieldText; }
form { margin: 1rem 0 .5rem; }
#done { margin-top: 1.25rem; }
figure { margin: 1rem 0; text-align: center; }
figure img { display: block; margin: 0 auto .5rem; background: #fff; padding: 8px; border-radius: 8px; }
code { font-size: .95rem; word-break: break-all; }
.error { color: var(--danger); font-weight: 600; }
.muted { opacity: .75; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
