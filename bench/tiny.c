/* tiny: the smallest static program to exec; exits 0 at once. */
int main(void)
{
	return 0;
}
