const axios = require('axios');

const ALLOWED_FEEDS = ['https://feeds.example.com/a.xml'];
const API_BASE = process.env.API_BASE;

exports.handler = async (event) => {
  const body = JSON.parse(event.body);
  const item = await fetch(`https://api.example.com/items/${encodeURIComponent(body.item)}`);
  const other = await axios.get(`${API_BASE}/orders/${body.order}`);
  if (!ALLOWED_FEEDS.includes(body.feed)) {
    return { statusCode: 400 };
  }
  const feed = await fetch(body.feed);
  return { statusCode: 200, body: JSON.stringify([item.status, other.status, feed.status]) };
};
