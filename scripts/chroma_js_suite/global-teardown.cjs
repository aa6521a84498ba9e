// The script stops the server it started; there is nothing to tear down here.
module.exports = async () => {};
