export const time = {
  getCurrentTime() {
    return new Date().toISOString();
  },
};
