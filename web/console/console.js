// console.js
