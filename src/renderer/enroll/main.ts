import { createApp } from 'vue';
import EnrollApp from './EnrollApp.vue';
import './enroll.css';

// The guided enrollment page (issue #5): runs only in Authdesk's sandboxed enrollment window.
createApp(EnrollApp).mount('#app');
