import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createDesktopPlatform } from './platform/desktop';
import { installPlatform } from './platform/platform';
import { createConsoleRouter } from './router';
import './styles/main.css';

const app = createApp(App);
// The desktop adapter over window.authdesk; the browser harness defines window.authdesk the same way.
installPlatform(app, createDesktopPlatform());
app.use(createPinia());
app.use(createConsoleRouter());
app.mount('#app');
